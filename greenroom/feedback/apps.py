from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "greenroom.feedback"
    label = "feedback"
    verbose_name = "Feedback"

    def ready(self) -> None:
        from greenroom.feedback import contributions  # noqa: F401  (it registers)
