from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "greenroom.accounts"
    label = "accounts"
    verbose_name = "Accounts and access"

    def ready(self) -> None:
        from greenroom import checks  # noqa: F401  (registers the system checks)
        from greenroom.accounts import contributions  # noqa: F401  (it registers)
