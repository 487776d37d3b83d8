from django.urls import path

from greenroom.customers import views

app_name = "customers"

urlpatterns = [
    path("accounts/", views.account_list, name="accounts"),
    path("accounts/<int:pk>/", views.account_detail, name="account"),
    path("accounts/<int:pk>/rules/", views.account_rules, name="account_rules"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/preferences/", views.contact_preferences, name="preferences"),
    path("contacts/<int:pk>/consent/", views.contact_consent, name="consent"),
    path("contacts/<int:pk>/outreach/", views.contact_outreach, name="outreach"),
    path("contacts/<int:pk>/erase/", views.contact_erase, name="erase"),
    path("contacts/<int:pk>/subject-access/", views.contact_subject_access, name="subject_access"),
    path("find/", views.participant_finder, name="finder"),
    path("find/reserve/", views.participants_reserve, name="reserve"),
    path("studies/", views.study, name="study"),
    path("studies/export.csv", views.study_export, {"fmt": "csv"}, name="study_export"),
    path("studies/export.xlsx", views.study_export, {"fmt": "xlsx"}, name="study_export_xlsx"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.duplicates_merge, name="duplicates_merge"),
    path("imports/", views.import_list, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import"),
]
