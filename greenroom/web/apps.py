from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "greenroom.web"
    label = "web"
    verbose_name = "Web shell"

    def ready(self) -> None:
        from greenroom.web import checks, contributions  # noqa: F401  (they register)
