from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "greenroom.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
