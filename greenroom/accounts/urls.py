from django.urls import path

from greenroom.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/email/", views.email_preferences, name="email_preferences"),
    path("profile/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("workspace/", views.workspace_settings, name="workspace"),
    path("users/", views.users, name="users"),
    path("users/<int:pk>/role/", views.member_role, name="member_role"),
    path("users/<int:pk>/active/", views.member_active, name="member_active"),
    path("audit/", views.audit, name="audit"),
]
