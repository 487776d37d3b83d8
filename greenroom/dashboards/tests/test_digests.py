"""The weekly digest: subscribing from the email preferences page, the email through a real (local)
SMTP server with its charts inline, once a week, members only.

The fixture (``loaded``): month-end MRR Apr 750, May 830 (2026), as of 2026-05-31, so the
digest's month is May against April: ARR 9,960 against 9,000, +10.7 %.
"""

import io
import re
import socket
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from PIL import Image

from greenroom.accounts.models import AuditEvent, Membership
from greenroom.dashboards import digests, services, tasks
from greenroom.dashboards.models import DigestSubscription
from greenroom.registry import Notable

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def quick_charts(monkeypatch):
    """A blank PNG per chart: vl-convert's drawing is tested with the board pack."""
    blank = io.BytesIO()
    Image.new("RGB", (1120, 480), "white").save(blank, "PNG")
    monkeypatch.setattr(digests.assets, "render", lambda spec, fmt: blank.getvalue())


class Inbox:
    """An aiosmtpd handler keeping every message it is sent."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """A local SMTP server on a free port, and Django's SMTP backend pointed at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield inbox
    finally:
        controller.stop()


def test_it_subscribes_and_unsubscribes_from_the_email_preferences_page(loaded):
    client = loaded.client(loaded.viewer)
    assert "Send me the weekly digest" in client.get("/settings/profile/email/").content.decode()
    response = client.post("/dashboards/digest/", {"subscribe": "1"})
    assert response.status_code == 302 and response["Location"] == "/settings/profile/email/"
    client.post("/dashboards/digest/", {"subscribe": "1"})  # twice: still one subscription
    assert DigestSubscription.objects.get().user == loaded.viewer
    assert "Stop the weekly digest" in client.get("/settings/profile/email/").content.decode()
    client.post("/dashboards/digest/", {"subscribe": "0"})
    assert not DigestSubscription.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="digest_subscription").values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["digest_subscription.create", "digest_subscription.delete"]


def test_it_keeps_anonymous_visitors_and_get_requests_out(loaded):
    assert loaded.client(None).post("/dashboards/digest/", {"subscribe": "1"}).status_code == 302
    assert loaded.client(loaded.viewer).get("/dashboards/digest/").status_code == 405
    assert not DigestSubscription.objects.exists()


def test_it_emails_the_digest_through_smtp_with_its_charts_inline(loaded, smtp):
    services.digest_subscribe(actor=loaded.viewer, workspace=loaded.workspace)
    assert services.digests_send(now=NOW) == 1
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == [loaded.viewer.email]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Acme: your weekly figures, 01 Jun 2026"
    assert message.get_content_type() == "multipart/related"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    # By hand: ARR = 12 x MRR: May 830 → $10.0K, Apr 750 → $9.0K; 9,960 / 9,000 - 1 = +10.7 %.
    assert "- ARR: $10.0K (+10.7 %; Apr 2026: $9.0K)" in text
    assert "The end of May 2026, against April 2026." in text
    images = {
        part["Content-ID"]: part
        for part in message.iter_attachments()
        if part.get_content_type() == "image/png"
    }
    assert set(images) == {"<arr@greenroom>", "<movements-trend@greenroom>"}
    for cid in images:
        assert f'src="cid:{cid.strip("<>")}"' in html
        assert images[cid].get_content().startswith(b"\x89PNG")
    assert "Nothing notable was found this week" in text
    assert "Nothing notable was found this week" in html
    assert DigestSubscription.objects.get().last_sent_at == NOW


def test_it_sends_each_subscriber_one_digest_a_week_and_only_while_a_member(loaded):
    for user in (loaded.viewer, loaded.pm):
        services.digest_subscribe(actor=user, workspace=loaded.workspace)
    assert services.digests_send(now=NOW) == 2
    assert services.digests_send(now=NOW + timedelta(hours=1)) == 0  # a retried job
    Membership.objects.filter(user=loaded.pm).delete()
    assert services.digests_send(now=NOW + timedelta(days=7)) == 1
    viewer, pm = [loaded.viewer.email], [loaded.pm.email]
    assert [m.to for m in mail.outbox] == [viewer, pm, viewer]


def test_it_says_there_are_no_figures_in_a_workspace_without_data(personas):
    services.digest_subscribe(actor=personas.admin, workspace=personas.workspace)
    assert tasks.send_digests.func() == "1 digests sent"
    (sent,) = mail.outbox
    assert "No figures this week." in sent.body and "business data" in sent.body
    assert not sent.attachments
    assert tasks.send_digests.func() == "skipped"  # nothing due a second time
    assert tasks.send_digests.periodic is not None  # the scheduler starts it weekly


def _insight(monkeypatch):
    found = [Notable("Churn in SMB outside its usual range", url="/health/insights/7/")]
    monkeypatch.setattr(digests, "notable_changes", lambda **kwargs: found)


def test_it_links_to_pages_at_the_configured_address(loaded, settings, monkeypatch):
    settings.BASE_URL = "https://greenroom.example.com"
    _insight(monkeypatch)
    digest = digests.compose(workspace=loaded.workspace, since=NOW - timedelta(days=7), now=NOW)
    email = digests.message(digest, to=loaded.viewer)
    html = email.alternatives[0][0]
    links = re.findall(r'href="([^"]*)"', html)
    assert links and all(link.startswith("https://greenroom.example.com/") for link in links)
    assert "https://greenroom.example.com/dashboards/executive/" in links
    assert "https://greenroom.example.com/health/insights/7/" in links
    assert "https://greenroom.example.com/settings/profile/email/" in links
    assert "https://greenroom.example.com/dashboards/explain/arr/?month=2026-05-01" in links
    assert "https://greenroom.example.com/health/insights/7/" in email.body


def test_it_leaves_links_out_rather_than_send_relative_ones(loaded, settings, monkeypatch):
    settings.BASE_URL = ""
    _insight(monkeypatch)
    digest = digests.compose(workspace=loaded.workspace, since=NOW - timedelta(days=7), now=NOW)
    email = digests.message(digest, to=loaded.viewer)
    assert "href=" not in email.alternatives[0][0]
    assert "/health/insights/7/" not in email.body
    assert "Churn in SMB outside its usual range" in email.body
