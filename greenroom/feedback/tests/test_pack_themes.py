"""The top feedback themes section of a review's pre-read pack (registered for cadences)."""

from datetime import UTC, datetime

import pytest

from greenroom import registry
from greenroom.feedback import selectors
from greenroom.feedback.choices import SourceKind, Status
from greenroom.feedback.models import FeedbackItem, Theme

pytestmark = pytest.mark.django_db

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 12, 1, tzinfo=UTC)


def _item(workspace, n, received_at, theme=None, status=Status.NEW):
    return FeedbackItem.objects.create(
        workspace=workspace,
        source_kind=SourceKind.ZENDESK,
        source_id=str(n),
        received_at=received_at,
        text=f"Item {n}",
        theme=theme,
        status=status,
    )


def test_it_ranks_themes_by_feedback_received_in_the_period(personas):
    ws = personas.workspace
    a, b, c = (Theme.objects.create(workspace=ws, label=t) for t in "ABC")
    inside = datetime(2026, 11, 15, tzinfo=UTC)
    # In the period: A x3 (one duplicate, left out → 2), B x3, C x1, two with no theme.
    # Outside it: A x5 on 31 Oct and 1 Dec (the end is excluded).
    plan = [a] * 3 + [b] * 3 + [c] + [None, None]
    for n, theme in enumerate(plan):
        _item(ws, n, inside, theme, Status.DUPLICATE if n == 0 else Status.NEW)
    for n in range(5):
        _item(ws, 100 + n, UNTIL if n % 2 else datetime(2026, 10, 31, tzinfo=UTC), a)

    section = selectors.pack_themes(workspace=ws, since=SINCE, until=UNTIL)

    assert section["themes"] == [
        {"label": "B", "count": 3},
        {"label": "A", "count": 2},
        {"label": "C", "count": 1},
    ]
    assert (section["total"], section["themed"]) == (8, 6)
    other = selectors.pack_themes(
        workspace=personas.outsider.memberships.first().workspace, since=SINCE, until=UNTIL
    )
    assert other["themes"] == [] and other["total"] == 0


def test_it_replaces_the_stand_in_cadences_kept_for_it():
    section = next(s for s in registry.entries(registry.PackSection) if s.key == "feedback-themes")
    assert section.context is selectors.pack_themes and not section.waits_for
