from django.urls import path, re_path

from greenroom.dashboards import custom_views, views

app_name = "dashboards"

urlpatterns = [
    path("assets/vega-<str:version>.js", views.vega_bundle, name="vega"),
    path("board-pack/", views.board_pack, name="board_pack"),
    re_path(
        r"^board-pack/(?P<pk>[0-9]+)\.(?P<fmt>pptx|pdf)$",
        views.board_pack_file,
        name="board_pack_file",
    ),
    path("digest/", views.digest_subscription, name="digest"),
    path("explain/<str:name>/", views.explain_metric, name="explain"),
    # Custom dashboards, before "<key>/" (which would take "custom" for a fixed dashboard).
    path("custom/", custom_views.custom_list, name="custom_list"),
    path("custom/<int:pk>/", custom_views.custom_detail, name="custom_detail"),
    path("custom/<int:pk>/edit/", custom_views.custom_edit, name="custom_edit"),
    path("custom/<int:pk>/delete/", custom_views.custom_delete, name="custom_delete"),
    path("custom/<int:pk>/tiles/", custom_views.tile_add, name="tile_add"),
    path("custom/<int:pk>/tiles/<int:tile_id>/", custom_views.tile_edit, name="tile_edit"),
    path("custom/<int:pk>/tiles/<int:tile_id>/move/", custom_views.tile_move, name="tile_move"),
    path(
        "custom/<int:pk>/tiles/<int:tile_id>/remove/",
        custom_views.tile_remove,
        name="tile_remove",
    ),
    re_path(
        r"^custom/(?P<pk>\d+)/tiles/(?P<tile_id>\d+)\.(?P<fmt>csv|xlsx|png|svg)$",
        custom_views.tile_download,
        name="tile_download",
    ),
    path("<str:key>/", views.dashboard, name="dashboard"),
    path("<str:key>/charts/<str:chart>.json", views.chart_spec, name="chart_spec"),
    re_path(
        r"^(?P<key>[a-z]+)/charts/(?P<chart>[a-z0-9-]+)\.(?P<fmt>csv|xlsx|png|svg)$",
        views.chart_download,
        name="chart_download",
    ),
]
