from django.apps import AppConfig


class SourcesConfig(AppConfig):
    name = "greenroom.sources"
    label = "sources"
