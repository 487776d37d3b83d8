from django.urls import path, re_path

from greenroom.health import views

app_name = "health"
urlpatterns = [
    path("health/", views.data_health, name="data_health"),
    re_path(r"^health/rows\.(?P<fmt>csv|xlsx|png|svg)$", views.rows_download, name="rows"),
    path("notable-changes/", views.finding_list, name="findings"),
    path("notable-changes/<int:pk>/", views.finding_detail, name="finding"),
    re_path(
        r"^notable-changes/(?P<pk>[0-9]+)/chart\.(?P<fmt>csv|xlsx|png|svg)$",
        views.finding_chart,
        name="finding_chart",
    ),
    path("notable-changes/<int:pk>/follow/", views.finding_follow, name="finding_follow"),
    path("notable-changes/<int:pk>/dismiss/", views.finding_dismiss, name="finding_dismiss"),
]
