from django.urls import path

from greenroom.research import views

app_name = "research"

urlpatterns = [
    path("", views.study_list, name="studies"),
    path("studies/new/", views.study_create, name="study_new"),
    path("studies/<int:pk>/", views.study_detail, name="study"),
    path("studies/<int:pk>/reserve/", views.participants_reserve, name="reserve"),
    path("studies/<int:pk>/notes/new/", views.note_create, name="note_new"),
    path("notes/<int:pk>/", views.note_detail, name="note"),
    path("insights/", views.insight_list, name="insights"),
    path("insights/new/", views.insight_create, name="insight_new"),
    path("insights/<int:pk>/", views.insight_detail, name="insight"),
    path("answered/", views.answered, name="answered"),
    path("search/", views.search_page, name="search"),
    path("share/", views.share_create, name="share"),
    path("share/<str:token>/revoke/", views.share_revoke, name="share_revoke"),
    path("shared/<str:token>/", views.shared, name="shared"),
]
