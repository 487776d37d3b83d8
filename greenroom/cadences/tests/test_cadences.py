import base64
import contextlib
import re
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from greenroom import registry
from greenroom.cadences import recurrence, selectors, services
from greenroom.cadences.models import Occurrence

# Every capability a pack section stood in for exists now: a toy one shows how a section of a
# capability not built yet reads.
TOY_STAND_IN = registry.PackSection(
    key="toy", title="Toy section", weight=999, waits_for="the toy capability"
)

START = datetime(2026, 1, 6, 9, tzinfo=UTC)  # a Tuesday


def test_it_expands_a_monthly_rule_by_hand_worked_dates():
    found = recurrence.occurrences(
        "FREQ=MONTHLY;BYDAY=1TU", starts_at=START, after=datetime(2026, 11, 15, tzinfo=UTC), count=3
    )
    # First Tuesdays: 1 Dec 2026, 5 Jan 2027, 2 Feb 2027.
    assert [d.date() for d in found] == [date(2026, 12, 1), date(2027, 1, 5), date(2027, 2, 2)]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("FREQ=MINUTELY", "more often than daily"),
        ("FREQ=HOURLY;INTERVAL=12", "more often than daily"),
        ("FREQ=DAILY;BYHOUR=9,17", "several times a day"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never occurs"),
        ("FREQ=WEEKLY;UNTIL=20250101T000000Z", "never occurs"),
        ("every tuesday", "is not an RFC 5545"),
        ("", "Give a recurrence rule"),
    ],
)
def test_it_refuses_a_rule_that_never_occurs_or_too_often(rule, message):
    with pytest.raises(ValidationError, match=message):
        recurrence.rule_parse(rule, starts_at=START)


@pytest.mark.django_db
class TestCadences:
    def _cadence(self, personas, **kwargs):
        return services.cadence_save(
            workspace=personas.workspace,
            actor=personas.ops,
            name="Portfolio review",
            rrule="FREQ=MONTHLY;BYDAY=1TU",
            starts_at=START,
            attendees=[personas.pm, personas.ops],
            agenda="# Agenda\n1. KPIs",
            now=kwargs.pop("now", datetime(2026, 11, 15, tzinfo=UTC)),
            **kwargs,
        )

    def test_it_refuses_a_cadence_meeting_every_minute_and_saves_nothing(self, personas):
        with pytest.raises(ValidationError, match="more often than daily"):
            services.cadence_save(
                workspace=personas.workspace,
                actor=personas.ops,
                name="x",
                rrule="FREQ=MINUTELY",
                starts_at=START,
            )
        assert not Occurrence.objects.exists()

    def test_it_generates_the_next_occurrences(self, personas):
        cadence = self._cadence(personas)
        starts = list(cadence.occurrences.values_list("starts_at", flat=True))
        assert len(starts) == services.OCCURRENCES_AHEAD
        assert starts[0] == datetime(2026, 12, 1, 9, tzinfo=UTC)

    def test_it_carries_open_actions_and_pending_decisions_into_the_next(self, personas):
        cadence = self._cadence(personas)
        first, second, third = list(cadence.occurrences.all()[:3])
        open_item = services.action_item_add(
            occurrence=first,
            actor=personas.pm,
            title="Price test",
            owner=personas.pm,
            due=date(2026, 12, 15),
        )
        done = services.action_item_add(
            occurrence=first,
            actor=personas.pm,
            title="Done one",
            owner=personas.pm,
            due=date(2026, 12, 15),
        )
        services.action_item_complete(item=done, actor=personas.pm)
        done.refresh_from_db()
        decision = services.decision_raise(
            workspace=personas.workspace,
            actor=personas.pm,
            question="Enter Japan?",
            decider=personas.ops,
            occurrence=first,
            raised_at=first.starts_at,
        )
        # Done after the second review started: still open at it, gone by the third.
        done.done_at = second.starts_at + timedelta(days=1)
        done.save()
        carried = selectors.actions_for(occurrence=second)["carried"]
        assert {a.title for a in carried} == {"Price test", "Done one"}
        assert [a.title for a in selectors.actions_for(occurrence=third)["carried"]] == [
            "Price test"
        ]
        assert selectors.decisions_for(occurrence=third)["carried"] == [decision]
        assert open_item in selectors.actions_for(occurrence=first)["here"]

    def test_it_builds_the_pack_with_kpis_and_says_what_is_not_available(self, personas):
        cadence = self._cadence(personas)
        occurrence = cadence.occurrences.first()
        with registry.scratch():
            registry.register(TOY_STAND_IN)
            response = personas.client(personas.viewer).get(
                reverse("cadences:occurrence", args=[occurrence.pk])
            )
        body = response.content.decode()
        assert response.status_code == 200
        assert "KPI snapshot" in body and "No business data yet" in body
        assert "Not available yet: waits for the toy capability" in body
        assert "No feedback received since" in body
        assert (
            personas.client(personas.outsider)
            .get(reverse("cadences:occurrence", args=[occurrence.pk]))
            .status_code
            == 404
        )

    def test_it_serves_each_member_their_calendar_by_token(self, personas):
        cadence = self._cadence(personas)
        token = services.calendar_token_get(workspace=personas.workspace, user=personas.pm)
        response = personas.client(None).get(reverse("cadences:feed", args=[token.token]))
        body = response.content.decode()
        assert response["Content-Type"].startswith("text/calendar")
        assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
        assert body.count("BEGIN:VEVENT") == cadence.occurrences.count()
        assert "DTSTART:20261201T090000Z" in body and "SUMMARY:Portfolio review" in body
        viewer_token = services.calendar_token_get(
            workspace=personas.workspace, user=personas.viewer
        )
        viewer_body = personas.client(None).get(reverse("cadences:feed", args=[viewer_token.token]))
        assert "BEGIN:VEVENT" not in viewer_body.content.decode()
        assert personas.client(None).get(reverse("cadences:feed", args=["nope"])).status_code == 404

    def test_it_emails_reminders_once_before_a_review_and_for_overdue_actions(
        self, personas, settings
    ):
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        cadence = self._cadence(personas)
        first = cadence.occurrences.first()
        services.action_item_add(
            occurrence=first,
            actor=personas.pm,
            title="Overdue thing",
            owner=personas.pm,
            due=date(2026, 11, 20),
        )
        now = first.starts_at - timedelta(hours=20)
        assert services.reminders_send(now=now) == {"reviews": 1, "overdue": 1}
        assert sorted(mail.outbox[0].to) == sorted([personas.pm.email, personas.ops.email])
        assert (
            mail.outbox[1].to == [personas.pm.email] and "Overdue thing" in mail.outbox[1].subject
        )
        assert services.reminders_send(now=now) == {"reviews": 0, "overdue": 0}

    def test_it_lets_only_product_ops_manage_cadences(self, personas):
        data = {
            "name": "QBR",
            "rrule": "FREQ=MINUTELY",
            "starts_at": "2026-01-06T09:00",
            "duration_minutes": 60,
        }
        assert (
            personas.client(personas.pm).post(reverse("cadences:cadence_new"), data).status_code
            == 403
        )
        response = personas.client(personas.ops).post(reverse("cadences:cadence_new"), data)
        assert response.status_code == 400 and "more often than daily" in response.content.decode()
        data["rrule"] = "FREQ=MONTHLY;INTERVAL=3;BYDAY=1TU"
        assert (
            personas.client(personas.ops).post(reverse("cadences:cadence_new"), data).status_code
            == 302
        )


@pytest.mark.django_db
def test_it_downloads_the_pack_as_a_pdf(personas):
    cadence = services.cadence_save(
        workspace=personas.workspace,
        actor=personas.ops,
        name="QBR",
        rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=2WE",
        starts_at=START,
        now=START,
    )
    occurrence = cadence.occurrences.first()
    services.action_item_add(
        occurrence=occurrence,
        actor=personas.ops,
        title="Send the deck",
        owner=personas.pm,
        due=date(2026, 2, 1),
    )
    with registry.scratch():
        registry.register(TOY_STAND_IN)
        response = personas.client(personas.viewer).get(
            reverse("cadences:occurrence", args=[occurrence.pk]) + "?format=pdf"
        )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = _pdf_text(response.content)
    assert "QBR" in text and "KPI snapshot" in text and "Send the deck" in text
    assert "Not available yet: waits for the toy capability." in text
    assert "Top feedback themes" in text and "No feedback received since" in text


def _pdf_text(data: bytes) -> str:
    """The page streams of a PDF, inflated where compressed (enough to find drawn text)."""
    out = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        chunk = match.group(1).strip()
        if chunk.endswith(b"~>"):  # ReportLab writes ASCII85 around the deflated stream
            chunk = base64.a85decode(chunk, adobe=True)
        with contextlib.suppress(zlib.error):
            chunk = zlib.decompress(chunk)
        out.append(chunk.decode("latin-1"))
    return "".join(out)


def test_it_compares_the_last_whole_month_with_the_one_before(monkeypatch):
    from greenroom.metrics import selectors as metrics
    from greenroom.metrics.selectors import MetricResult

    def fake(name, **kwargs):
        rows = [
            {"period": date(2026, 10, 1), "value": 100.0, "partial": False},
            {"period": date(2026, 11, 1), "value": 90.0, "partial": False},
            {"period": date(2026, 12, 1), "value": 5.0, "partial": True},
        ]
        unit = "ratio" if name in ("nrr", "logo_churn") else "currency"
        return MetricResult({"unit": unit}, {}, rows, {}, [])

    monkeypatch.setattr(metrics, "metric", fake)
    snapshot = selectors.kpi_snapshot(
        workspace=None,
        since=datetime(2026, 12, 1, tzinfo=UTC),
        until=datetime(2027, 1, 5, tzinfo=UTC),
    )
    mrr = snapshot["rows"][0]
    assert (mrr["current"], mrr["previous"], mrr["change"]) == (90.0, 100.0, -10.0)
    assert snapshot["month"] == date(2026, 11, 1)
