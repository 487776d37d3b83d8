"""The weekly digest: the executive overview's headline figures (the last complete month
against the month before), two charts drawn inline, and the insights found since the last
digest, as one email per subscriber (docs/dashboards.md, "Weekly digest").

The email is multipart/related: a text and an HTML alternative, then the charts as PNG parts
the HTML names by Content-ID (``cid:``), so mail clients show them without fetching anything.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from greenroom.accounts.models import Membership, User, Workspace
from greenroom.dashboards import assets, formatting, periods, selectors
from greenroom.dashboards.boardpack.content import notable_changes
from greenroom.dashboards.models import DigestSubscription
from greenroom.dashboards.periods import Period
from greenroom.metrics import selectors as metrics

# The charts each digest carries, from the executive overview over the last 12 months.
CHARTS = ("arr", "movements-trend")


@dataclass
class Digest:
    """One workspace's digest, the same for every subscriber."""

    workspace: Workspace
    subject: str
    unavailable: str = ""
    month: date | None = None
    partial: bool = False
    compared: date | None = None
    kpis: list[dict] = field(default_factory=list)
    images: list[tuple[str, str, bytes]] = field(default_factory=list)  # (cid, title, png)
    notable: list | None = None
    links: dict[str, str] = field(default_factory=dict)  # overview, email preferences


def absolute(path: str) -> str:
    """``path`` at the configured address (GREENROOM_BASE_URL): an email is read in a mail
    client, where a relative link leads nowhere. "" when no address is configured."""
    return f"{settings.BASE_URL}{path}" if settings.BASE_URL and path else ""


def still_members(
    *, workspace: Workspace, subscriptions: list[DigestSubscription]
) -> list[DigestSubscription]:
    """The subscriptions whose user is still a member (a removed member gets nothing)."""
    members = set(
        Membership.objects.for_workspace(workspace)
        .filter(user__in=[s.user_id for s in subscriptions])
        .values_list("user_id", flat=True)
    )
    return [s for s in subscriptions if s.user_id in members]


def compose(*, workspace: Workspace, since: datetime, now: datetime) -> Digest:
    """The digest's figures, charts and insights (or why there are no figures)."""
    subject = f"{workspace.name}: your weekly figures, {now:%d %b %Y}"
    digest = Digest(workspace=workspace, subject=subject)
    digest.links = {
        "overview": absolute(reverse("dashboards:dashboard", args=["executive"])),
        "preferences": absolute(reverse("accounts:email_preferences")),
    }
    notable = notable_changes(workspace=workspace, since=since.date(), until=now.date())
    if notable is not None:
        digest.notable = [replace(n, url=absolute(n.url)) for n in notable]
    try:
        as_of = metrics.as_of(workspace=workspace)
        year = selectors.scope_for(
            workspace, where={}, period=periods.parse("12m", as_of=as_of), as_of=as_of
        )
    except (metrics.MetricsUnavailable, selectors.NoData) as error:
        digest.unavailable = str(error)
        return digest
    # The headline month against the month before (the overview compares over its period).
    month = selectors.Scope(
        workspace=workspace,
        where={},
        period=Period("1m", "One month", year.reference, year.reference),
        as_of=as_of,
        reference=year.reference,
        reference_partial=year.reference_partial,
    )
    currency = workspace.reporting_currency
    digest.month, digest.partial, digest.compared = (
        month.reference,
        month.reference_partial,
        month.compared,
    )
    digest.kpis = [_line(kpi, currency) for kpi in selectors.executive(month)["kpis"]]
    found = {chart.key: chart for chart in selectors.executive(year)["charts"]}
    for key in CHARTS:
        spec = {**found[key].spec, "width": 560}
        digest.images.append((f"{key}@greenroom", found[key].title, assets.render(spec, "png")))
    return digest


def _line(kpi: dict, currency: str) -> dict:
    """A headline figure as the email shows it."""
    shown, exact = formatting.figure(kpi["value"], kpi["unit"], currency)
    if kpi["compare"] == "points":
        change = formatting.points(kpi["change"])
    else:
        change = formatting.change(kpi["change"])
    return {
        "title": kpi["title"],
        "value": shown,
        "exact": exact,
        "previous": formatting.figure(kpi["previous"], kpi["unit"], currency)[0],
        "change": change,
        "metric": kpi["metric"],
        "url": absolute(
            reverse("dashboards:explain", args=[kpi["metric"]]) + f"?month={kpi['month']:%Y-%m-%d}"
        ),
    }


def message(digest: Digest, *, to: User) -> EmailMultiAlternatives:
    """The email for one subscriber: text, HTML, and the charts as related parts."""
    context = {"digest": digest, "user": to}
    email = EmailMultiAlternatives(
        subject=digest.subject,
        body=render_to_string("dashboards/email/digest.txt", context),
        to=[to.email],
    )
    email.attach_alternative(render_to_string("dashboards/email/digest.html", context), "text/html")
    # multipart/related around the alternatives: the images belong to the HTML.
    email.mixed_subtype = "related"
    for cid, _title, png in digest.images:
        part = MIMEImage(png, "png")
        part.add_header("Content-ID", f"<{cid}>")
        part.add_header("Content-Disposition", "inline", filename=f"{cid.split('@')[0]}.png")
        email.attach(part)
    return email


def send(digest: Digest, *, to: User) -> None:
    """Send one subscriber their digest."""
    message(digest, to=to).send()
