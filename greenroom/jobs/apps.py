from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "greenroom.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from greenroom.jobs import contributions  # noqa: F401  (it registers)
