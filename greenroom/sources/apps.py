from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "greenroom.sources"
    label = "sources"

    def ready(self) -> None:
        from greenroom.sources import contributions  # noqa: F401  (it registers)
