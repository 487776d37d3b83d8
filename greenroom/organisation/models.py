"""The company's shape: teams and people, the product portfolio, markets, segments and plans.

Every row belongs to a workspace and names are unique within it, so imports can match on
name and re-running an import changes nothing.
"""

from django.db import models

from greenroom.accounts.models import User
from greenroom.accounts.scoping import WorkspaceOwned


class WorkspaceScoped(WorkspaceOwned):
    """Base for rows that belong to one workspace and are known by a unique name."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta(WorkspaceOwned.Meta):
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _unique_name(model_name: str) -> list[models.BaseConstraint]:
    return [
        models.UniqueConstraint(
            fields=["workspace", "name"], name=f"{model_name}_unique_name_per_workspace"
        )
    ]


class Team(WorkspaceScoped):
    """A product team; it owns parts of the portfolio and has people in it."""

    headcount_plan = models.PositiveIntegerField(
        null=True, blank=True, help_text="Approved headcount, to compare with the people in it."
    )

    class Meta(WorkspaceScoped.Meta):
        constraints = _unique_name("team")

    def headcount(self) -> int:
        """People currently in the team."""
        return self.people.count()


class Person(WorkspaceScoped):
    """Someone in the company (who may or may not have a Greenroom login)."""

    email = models.EmailField(blank=True)
    title = models.CharField(max_length=200, blank=True, help_text="Job title, e.g. Engineer.")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )

    class Meta(WorkspaceScoped.Meta):
        verbose_name_plural = "people"
        constraints = _unique_name("person")


class ProductLine(WorkspaceScoped):
    """A group of products reported together (a portfolio area)."""

    owner_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="product_lines"
    )

    class Meta(WorkspaceScoped.Meta):
        constraints = _unique_name("productline")


class Product(WorkspaceScoped):
    """Something the company sells; subscription items and usage events map to it."""

    product_line = models.ForeignKey(ProductLine, on_delete=models.PROTECT, related_name="products")
    key = models.SlugField(max_length=64, help_text="Stable key used in imported data.")
    owner_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )
    launched_on = models.DateField(null=True, blank=True)

    class Meta(WorkspaceScoped.Meta):
        constraints = [
            *_unique_name("product"),
            models.UniqueConstraint(fields=["workspace", "key"], name="product_unique_key"),
        ]


class ProductArea(WorkspaceScoped):
    """A part of a product owned by one team (e.g. Billing, Reporting)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="areas")
    owner_team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="product_areas"
    )

    class Meta(WorkspaceScoped.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "product", "name"], name="productarea_unique_name_per_product"
            )
        ]


class Region(WorkspaceScoped):
    """A sales region such as EMEA or North America."""

    code = models.CharField(max_length=16, help_text="Short code, e.g. EMEA.")

    class Meta(WorkspaceScoped.Meta):
        constraints = _unique_name("region")


class Market(WorkspaceScoped):
    """A market within a region, made of countries (ISO 3166 alpha-2 codes)."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="markets")
    countries = models.CharField(
        max_length=500, blank=True, help_text="Comma-separated ISO country codes, e.g. DE,AT,CH."
    )

    class Meta(WorkspaceScoped.Meta):
        constraints = _unique_name("market")

    def country_codes(self) -> list[str]:
        """The market's countries as upper-case codes."""
        return [code.strip().upper() for code in self.countries.split(",") if code.strip()]


class Segment(WorkspaceScoped):
    """A customer segment, e.g. SMB, Mid-market, Enterprise, by company size."""

    min_employees = models.PositiveIntegerField(null=True, blank=True)
    max_employees = models.PositiveIntegerField(null=True, blank=True)
    rank = models.PositiveSmallIntegerField(default=0, help_text="Order in reports.")

    class Meta(WorkspaceScoped.Meta):
        ordering = ["rank", "name"]
        constraints = _unique_name("segment")


class Plan(WorkspaceScoped):
    """A price plan customers subscribe to, with its list price per month."""

    code = models.SlugField(max_length=64, help_text="Stable key used in billing data.")
    list_price_monthly = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, default="USD")
    rank = models.PositiveSmallIntegerField(default=0, help_text="Order in reports.")

    class Meta(WorkspaceScoped.Meta):
        ordering = ["rank", "name"]
        constraints = [
            *_unique_name("plan"),
            models.UniqueConstraint(fields=["workspace", "code"], name="plan_unique_code"),
        ]
