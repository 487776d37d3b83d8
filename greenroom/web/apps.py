from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "greenroom.web"
    label = "web"
    verbose_name = "Web shell"
