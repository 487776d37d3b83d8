from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "greenroom.metrics"
    label = "metrics"

    def ready(self) -> None:
        from greenroom.metrics import contributions  # noqa: F401  (it registers)
