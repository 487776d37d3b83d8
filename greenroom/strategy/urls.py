from django.urls import path

from greenroom.strategy import import_views, jira_views, roadmap_views, views

app_name = "strategy"

urlpatterns = [
    path("", views.goals, name="goals"),
    path("changes/", views.changes, name="changes"),
    path("intents/new/", views.intent_edit, name="intent_create"),
    path("intents/<int:pk>/", views.intent_edit, name="intent_edit"),
    path("initiatives/new/", views.initiative_edit, name="initiative_create"),
    path("initiatives/<int:pk>/", views.initiative_edit, name="initiative_edit"),
    path("objectives/new/", views.objective_edit, name="objective_create"),
    path("objectives/<int:pk>/", views.objective_edit, name="objective_edit"),
    path(
        "objectives/<int:objective_pk>/key-results/new/",
        views.key_result_edit,
        name="key_result_create",
    ),
    path("key-results/<int:pk>/", views.key_result_detail, name="key_result"),
    path("key-results/<int:pk>/edit/", views.key_result_edit, name="key_result_edit"),
    path("key-results/<int:pk>/check-ins/", views.check_in, name="check_in"),
    path("roadmaps/", roadmap_views.board, name="roadmap"),
    path("roadmaps/items/", roadmap_views.item_list, name="roadmap_list"),
    path("roadmaps/portfolio/", roadmap_views.portfolio_view, name="portfolio"),
    path("roadmaps/items/new/", roadmap_views.item_edit, name="roadmap_item_create"),
    path("roadmaps/items/<int:pk>/", roadmap_views.item_edit, name="roadmap_item"),
    path("roadmaps/items/<int:pk>/move/", roadmap_views.item_move, name="roadmap_item_move"),
    path(
        "roadmaps/items/<int:pk>/evidence/",
        roadmap_views.item_evidence,
        name="roadmap_item_evidence",
    ),
    path("roadmaps/template/", roadmap_views.template_edit, name="roadmap_template"),
    path("roadmaps/adherence/", roadmap_views.adherence, name="roadmap_adherence"),
    path("roadmaps/snapshots/", roadmap_views.snapshots, name="roadmap_snapshots"),
]

# Roadmap imports (spreadsheets, Jira's CSV export) and the items they left to complete.
urlpatterns += [
    path("roadmaps/imports/", import_views.upload, name="roadmap_imports"),
    path("roadmaps/imports/<int:pk>/", import_views.detail, name="roadmap_import"),
    path("roadmaps/follow-up/", import_views.follow_up, name="roadmap_follow_up"),
]

# Jira connections (product ops): the hourly sync of each, or one now.
urlpatterns += [
    path("roadmaps/jira/", jira_views.connection_list, name="jira_connections"),
    path("roadmaps/jira/new/", jira_views.connection_edit, name="jira_connection_create"),
    path("roadmaps/jira/<int:pk>/", jira_views.connection_edit, name="jira_connection_edit"),
    path("roadmaps/jira/<int:pk>/sync/", jira_views.connection_sync, name="jira_connection_sync"),
    path(
        "roadmaps/jira/<int:pk>/state/", jira_views.connection_state, name="jira_connection_state"
    ),
    path(
        "roadmaps/jira/<int:pk>/delete/",
        jira_views.connection_delete,
        name="jira_connection_delete",
    ),
]
