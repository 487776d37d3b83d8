from django.urls import path

from greenroom.cadences import onboarding_views, scorecard_views, views

app_name = "cadences"

urlpatterns = [
    path("decisions/", views.decision_list, name="decisions"),
    path("decisions/new/", views.decision_new, name="decision_new"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision"),
    path("decisions/<int:pk>/decide/", views.decision_decide, name="decision_decide"),
    path("decisions/<int:pk>/evidence/", views.decision_evidence, name="decision_evidence"),
    path("decisions/<int:pk>/reopen/", views.decision_reopen, name="decision_reopen"),
    path("decisions/<int:pk>/changes/", views.decision_change, name="decision_change"),
    path("decisions/<int:pk>/record/", views.decision_record, name="decision_record"),
    path("decisions/<int:pk>/outcome/", views.decision_outcome, name="decision_outcome"),
    path("playbook/", views.playbook, name="playbook"),
    path("playbook/templates/<slug:kind>/", views.template_detail, name="template"),
    path("playbook/guides/new/", views.guide_edit, name="guide_new"),
    path("playbook/guides/<int:pk>/", views.guide_detail, name="guide"),
    path("playbook/guides/<int:pk>/edit/", views.guide_edit, name="guide_edit"),
    path("tools/", views.tool_list, name="tools"),
    path("tools/new/", views.tool_edit, name="tool_new"),
    path("tools/<int:pk>/", views.tool_detail, name="tool"),
    path("tools/<int:pk>/edit/", views.tool_edit, name="tool_edit"),
    path("tools/<int:pk>/seats/", views.tool_seats, name="tool_seats"),
    path("tools/<int:pk>/replace/", views.tool_replace, name="tool_replace"),
    path("", views.cadence_list, name="cadences"),
    path("new/", views.cadence_edit, name="cadence_new"),
    path("<int:pk>/", views.cadence_detail, name="cadence"),
    path("<int:pk>/edit/", views.cadence_edit, name="cadence_edit"),
    path("occurrences/<int:pk>/", views.occurrence_detail, name="occurrence"),
    path("occurrences/<int:pk>/actions/", views.action_add, name="action_add"),
    path("actions/<int:pk>/done/", views.action_done, name="action_done"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    path("onboarding/", onboarding_views.index, name="onboarding"),
    path("onboarding/programmes/new/", onboarding_views.programme_edit, name="programme_new"),
    path("onboarding/programmes/<int:pk>/", onboarding_views.programme_detail, name="programme"),
    path(
        "onboarding/programmes/<int:pk>/edit/",
        onboarding_views.programme_edit,
        name="programme_edit",
    ),
    path("onboarding/assignments/<int:pk>/", onboarding_views.assignment_detail, name="assignment"),
    path(
        "onboarding/assignments/<int:pk>/steps/<int:step_pk>/done/",
        onboarding_views.step_done,
        name="step_done",
    ),
    path(
        "onboarding/assignments/<int:pk>/steps/<int:step_pk>/undo/",
        onboarding_views.step_undo,
        name="step_undo",
    ),
    path("scorecard/baselines/", scorecard_views.baselines, name="scorecard_baselines"),
    path("pulse/", scorecard_views.pulse, name="pulse"),
]
