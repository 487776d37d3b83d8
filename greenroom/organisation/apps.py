from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "greenroom.organisation"
    label = "organisation"
    verbose_name = "Organisation"
