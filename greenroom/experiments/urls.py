from django.urls import path

from greenroom.experiments import views

app_name = "experiments"

urlpatterns = [
    path("", views.experiment_list, name="list"),
    path("new/", views.experiment_create, name="create"),
    path("design/", views.design_calculator, name="design"),
    path("<int:pk>/", views.experiment_detail, name="detail"),
    path("<int:pk>/start/", views.experiment_start, name="start"),
    path("<int:pk>/stop/", views.experiment_stop, name="stop"),
    path("<int:pk>/acknowledge-srm/", views.experiment_acknowledge_srm, name="acknowledge_srm"),
    path("<int:pk>/analyse/", views.experiment_analyse, name="analyse"),
    path("<int:pk>/decide/", views.experiment_decide, name="decide"),
    path("<int:pk>/summaries/", views.summary_record, name="summary"),
]
