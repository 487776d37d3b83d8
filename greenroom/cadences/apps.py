from django.apps import AppConfig


class CadencesConfig(AppConfig):
    name = "greenroom.cadences"
    label = "cadences"
    verbose_name = "Cadences, decisions and the playbook"

    def ready(self) -> None:
        from greenroom.cadences import contributions  # noqa: F401  (it registers)
