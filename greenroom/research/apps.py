from django.apps import AppConfig


class ResearchConfig(AppConfig):
    name = "greenroom.research"
    label = "research"
    verbose_name = "Research"

    def ready(self) -> None:
        from greenroom.research import contributions, receivers, search  # noqa: F401  (they register)
