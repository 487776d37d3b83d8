"""The account page's extension point: other capabilities (feedback, research) add a panel
here instead of the customers app importing them, so dependencies keep pointing one way.

A capability registers from its AppConfig.ready()::

    register_account_panel(AccountPanel("Feedback", "feedback/_account_panel.html",
                                        lambda request, account: {...}))
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from greenroom.customers.models import Account


@dataclass(frozen=True)
class AccountPanel:
    """A titled section of the account page rendered from ``template`` with ``context``."""

    title: str
    template: str
    context: Callable[[HttpRequest, Account], dict]


ACCOUNT_PANELS: list[AccountPanel] = []


def register_account_panel(panel: AccountPanel) -> None:
    """Add a panel to every account page (once per title)."""
    if all(existing.title != panel.title for existing in ACCOUNT_PANELS):
        ACCOUNT_PANELS.append(panel)


def panels_for(request: HttpRequest, account: Account) -> list[dict]:
    """The registered panels with their context for one account."""
    return [
        {"title": p.title, "template": p.template, "context": p.context(request, account)}
        for p in ACCOUNT_PANELS
    ]
