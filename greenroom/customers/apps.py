from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "greenroom.customers"
    label = "customers"
