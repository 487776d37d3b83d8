from django.urls import path, re_path

from greenroom.dashboards import views

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
    path("<str:key>/", views.dashboard, name="dashboard"),
    path("<str:key>/charts/<str:chart>.json", views.chart_spec, name="chart_spec"),
    re_path(
        r"^(?P<key>[a-z]+)/charts/(?P<chart>[a-z0-9-]+)\.(?P<fmt>csv|xlsx|png|svg)$",
        views.chart_download,
        name="chart_download",
    ),
]
