from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "greenroom.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox company"
