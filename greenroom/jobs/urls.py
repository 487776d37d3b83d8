from django.urls import path

from greenroom.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.run_list, name="run_list"),
]
