from django.urls import path

from greenroom.experiments import launch_views, views

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
    path("<int:pk>/assignments/", views.assignment_upload, name="assignments"),
    path("<int:pk>/decide/", views.experiment_decide, name="decide"),
    path("<int:pk>/summaries/", views.summary_record, name="summary"),
]

urlpatterns += [
    path("betas/", launch_views.programme_list, name="programmes"),
    path("betas/new/", launch_views.programme_create, name="programme_create"),
    path("betas/<int:pk>/", launch_views.programme_detail, name="programme"),
    path("betas/<int:pk>/stage/", launch_views.programme_stage, name="programme_stage"),
    path("betas/<int:pk>/recruit/", launch_views.programme_recruit, name="programme_recruit"),
    path("betas/<int:pk>/waitlist/", launch_views.programme_waitlist, name="programme_waitlist"),
    path(
        "betas/<int:pk>/invite-waitlisted/",
        launch_views.programme_invite_waitlisted,
        name="programme_invite_waitlisted",
    ),
    path(
        "betas/<int:pk>/participants/<int:participant>/",
        launch_views.participant_status,
        name="participant_status",
    ),
    path("betas/<int:pk>/participants.csv", launch_views.programme_export, name="programme_export"),
    path("launches/", launch_views.launch_list, name="launches"),
    path("launches/new/", launch_views.launch_create, name="launch_create"),
    path("launches/templates/", launch_views.template_list, name="launch_templates"),
    path("launches/calendar/", launch_views.launch_calendar, name="launch_calendar"),
    path("launches/calendar/<str:token>.ics", launch_views.launch_feed, name="launch_feed"),
    path("launches/<int:pk>/", launch_views.launch_detail, name="launch"),
    path("launches/<int:pk>/go/", launch_views.launch_go, name="launch_go"),
    path("launches/<int:pk>/launched/", launch_views.launch_launched, name="launch_launched"),
    path(
        "launches/<int:pk>/items/<int:item>/done/",
        launch_views.item_complete,
        name="launch_item_done",
    ),
    path(
        "launches/<int:pk>/items/<int:item>/reopen/",
        launch_views.item_reopen,
        name="launch_item_reopen",
    ),
]
