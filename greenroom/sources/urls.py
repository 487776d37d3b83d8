from django.urls import path

from greenroom.sources import views

app_name = "sources"

urlpatterns = [
    path("", views.source_list, name="list"),
    path("new/", views.source_create, name="create"),
    path("<int:pk>/", views.source_detail, name="detail"),
    path("<int:pk>/edit/", views.source_edit, name="edit"),
    path("<int:pk>/upload/", views.source_upload, name="upload"),
    path("<int:pk>/sync/", views.source_sync, name="sync"),
    path("<int:pk>/columns/", views.source_columns, name="columns"),
    path("<int:pk>/runs/<int:run_pk>/", views.run_detail, name="run"),
    path("<int:pk>/state/", views.source_state, name="state"),
    path("<int:pk>/delete/", views.source_delete, name="delete"),
    path("<int:pk>/files/<str:name>/delete/", views.source_file_delete, name="file_delete"),
]
