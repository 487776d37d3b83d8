from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "greenroom.health"
    label = "health"
    verbose_name = "Data health and notable changes"

    def ready(self) -> None:
        from greenroom.health import contributions, receivers  # noqa: F401  (they register)
