from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "greenroom.strategy"
    label = "strategy"
    verbose_name = "Strategy"

    def ready(self) -> None:
        from greenroom.strategy import contributions  # noqa: F401  (it registers)
