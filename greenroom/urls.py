from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from greenroom.api import api, not_found
from greenroom.cadences import scorecard_views
from greenroom.web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("data/", web_views.overview, {"section": "data"}, name="data_overview"),
    path("customers/", web_views.overview, {"section": "customers"}, name="customers_overview"),
    path("strategy/", web_views.overview, {"section": "strategy"}, name="strategy_overview"),
    # The scorecard is the shell's page but keeps baselines and history: cadences draws it.
    path("scorecard/", scorecard_views.scorecard, name="scorecard"),
    path("search/", web_views.search, name="search"),
    path("organisation/", include("greenroom.organisation.urls")),
    path("settings/", include("greenroom.accounts.urls")),
    path("jobs/", include("greenroom.jobs.urls")),
    path("sources/", include("greenroom.sources.urls")),
    path("metrics/", include("greenroom.metrics.urls")),
    path("customers/", include("greenroom.customers.urls")),
    path("dashboards/", include("greenroom.dashboards.urls")),
    path("cadences/", include("greenroom.cadences.urls")),
    path("feedback/", include("greenroom.feedback.urls")),
    path("research/", include("greenroom.research.urls")),
    path("strategy/goals/", include("greenroom.strategy.urls")),
    path("experiments/", include("greenroom.experiments.urls")),
    path("data/", include("greenroom.health.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/(?P<unmatched>.*)$", not_found),
]
