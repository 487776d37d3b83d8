"""factory_boy factories shared by every app's tests."""

import factory

from greenroom.accounts.choices import Role
from greenroom.accounts.models import Membership, User, Workspace
from greenroom.organisation import models as org

PASSWORD = "correct-horse-battery"


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Company {n}")
    slug = factory.Sequence(lambda n: f"company-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    username = factory.SelfAttribute("email")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.Team

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.ProductLine

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Line {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = org.Product

    workspace = factory.SubFactory(WorkspaceFactory)
    product_line = factory.SubFactory(
        ProductLineFactory, workspace=factory.SelfAttribute("..workspace")
    )
    name = factory.Sequence(lambda n: f"Product {n}")
    key = factory.Sequence(lambda n: f"product-{n}")
