from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "greenroom.customers"
    label = "customers"

    def ready(self) -> None:
        from greenroom.customers import contributions  # noqa: F401  (it registers)
