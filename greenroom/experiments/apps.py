from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "greenroom.experiments"
    label = "experiments"
    verbose_name = "Experiments"

    def ready(self) -> None:
        from greenroom.experiments import contributions  # noqa: F401  (it registers)
