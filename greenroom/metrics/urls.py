from django.urls import path

from greenroom.metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<slug:name>.<str:fmt>", views.metric_export, name="export"),
]
