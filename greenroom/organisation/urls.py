from django.urls import path

from greenroom.organisation import views

app_name = "organisation"

urlpatterns = [
    path("portfolio/", views.portfolio, name="portfolio"),
    path("<slug:kind>/", views.entity_list, name="list"),
    path("<slug:kind>/new/", views.entity_edit, name="create"),
    path("<slug:kind>/<int:pk>/", views.entity_edit, name="edit"),
    path("<slug:kind>/<int:pk>/delete/", views.entity_delete, name="delete"),
]
