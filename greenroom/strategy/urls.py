from django.urls import path

from greenroom.strategy import views

app_name = "strategy"

urlpatterns = [
    path("", views.goals, name="goals"),
    path("changes/", views.changes, name="changes"),
    path("intents/new/", views.intent_edit, name="intent_create"),
    path("intents/<int:pk>/", views.intent_edit, name="intent_edit"),
    path("initiatives/new/", views.initiative_edit, name="initiative_create"),
    path("initiatives/<int:pk>/", views.initiative_edit, name="initiative_edit"),
    path("objectives/new/", views.objective_edit, name="objective_create"),
    path("objectives/<int:pk>/", views.objective_edit, name="objective_edit"),
    path(
        "objectives/<int:objective_pk>/key-results/new/",
        views.key_result_edit,
        name="key_result_create",
    ),
    path("key-results/<int:pk>/", views.key_result_detail, name="key_result"),
    path("key-results/<int:pk>/edit/", views.key_result_edit, name="key_result_edit"),
    path("key-results/<int:pk>/check-ins/", views.check_in, name="check_in"),
]
