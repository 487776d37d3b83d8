from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "greenroom.metrics"
    label = "metrics"
