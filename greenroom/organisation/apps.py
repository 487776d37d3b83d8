from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "greenroom.organisation"
    label = "organisation"
    verbose_name = "Organisation"

    def ready(self) -> None:
        from greenroom.organisation import contributions  # noqa: F401  (it registers)
