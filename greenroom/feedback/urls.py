from django.urls import path

from greenroom.feedback import views

app_name = "feedback"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bulk/", views.bulk, name="bulk"),
    path("log/", views.log_feedback, name="log"),
    path("log/accounts/", views.account_lookup, name="account_lookup"),
    path("log/contacts/", views.account_contacts, name="account_contacts"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/highlight/", views.item_highlight, name="highlight"),
    path("items/<int:pk>/duplicate/", views.item_duplicate, name="duplicate"),
    path("items/<int:pk>/customer/", views.item_customer, name="customer"),
    path("opportunities/", views.opportunity_list, name="opportunities"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/weights/", views.weights, name="weights"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity"),
    path("opportunities/<int:pk>/notify/", views.opportunity_notify, name="notify"),
    path("tags/", views.tags, name="tags"),
    path("imports/", views.imports, name="imports"),
    path("themes/", views.themes, name="themes"),
    path("themes/rebuild/", views.themes_rebuild, name="themes_rebuild"),
    path("themes/suggesters/", views.suggesters_fit, name="suggesters_fit"),
    path("suggestions/<int:pk>/", views.suggestion_decide, name="suggestion_decide"),
]
