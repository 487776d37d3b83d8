from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "greenroom.dashboards"
    label = "dashboards"
    verbose_name = "Dashboards"

    def ready(self) -> None:
        from greenroom.dashboards import contributions  # noqa: F401  (it registers)
