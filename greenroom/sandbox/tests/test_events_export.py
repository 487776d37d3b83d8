"""The product events are drawn as numbers and written as text only at the end: the Segment
table, the PostHog export and the planted usage changes, each checked row by row against a
plain Python computation of what it should hold."""

import copy
import json
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pyarrow.parquet as pq
import pytest

from greenroom.sandbox import business, planted_changes
from greenroom.sandbox.data_engine import posthog_export

END = date(2026, 11, 20)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return business.generate(
        out_dir=tmp_path_factory.mktemp("business"),
        scale="small",
        seed=3,
        end=END,
        segment_export=False,
    )


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(int(seconds), UTC)


def test_the_segment_table_is_the_drawn_numbers_as_text(files):
    events = files.drawn_events
    assert not files.events.exists()  # drawn, not written
    expected = []
    for n in range(len(events)):
        account = str(events.account_names[events.account[n]])
        user = f"{account}-u{events.user[n]}"
        anonymous = bool(events.anonymous[n])
        page_view = bool(events.page_view[n])
        expected.append({
            "id": f"msg-{events.number[n]}",
            "event": "Page Viewed" if page_view else "Feature Used",
            "user_id": None if anonymous else user,
            "anonymous_id": f"anon-{user}" if anonymous else None,
            "group_id": account,
            "timestamp": _instant(events.sent[n]),
            "received_at": _instant(events.received[n]),
            "product": str(events.product_names[events.product[n]]),
            "feature": None if page_view else str(events.feature_names[events.feature[n]]),
        })  # fmt: skip
    assert business.tracks_table(events).to_pylist() == expected


def test_the_posthog_export_is_the_segment_table_row_by_row(files, tmp_path):
    tracks = business.tracks_table(files.drawn_events).to_pylist()
    written = posthog_export(files.drawn_events, tmp_path / "posthog-events.parquet")
    expected = [
        {
            "uuid": row["id"],
            "event": row["event"],
            "distinct_id": row["user_id"] or row["anonymous_id"],
            "timestamp": row["timestamp"],
            "created_at": row["received_at"],
            "properties": json.dumps(
                {
                    "product": row["product"],
                    "feature": row["feature"],
                    "$groups": {"company": row["group_id"]},
                },
                separators=(",", ":"),
            ),
        }
        for row in tracks
    ]
    assert pq.read_table(written).to_pylist() == expected


def test_the_planted_usage_changes_drop_the_events_their_rules_name(tmp_path):
    files = business.generate(
        out_dir=tmp_path, scale="small", seed=3, end=END, segment_export=False
    )
    planting = planted_changes.plant(files, end=END, seed=3)
    draws = copy.deepcopy(planting.rng)  # the draws the planting is about to make
    rows = business.tracks_table(files.drawn_events).to_pylist()
    kept = business.tracks_table(planting.events(files.drawn_events)).to_pylist()
    expected, heavy = _planted_row_by_row(rows, planted_changes.target_month(END), draws)
    assert kept == expected
    assert len(kept) < len(rows)
    recorded = json.loads((tmp_path / "planted-changes.json").read_text())
    assert [p["subject"] for p in recorded if p["kind"] == "account_usage"] == heavy


def _planted_row_by_row(rows: list[dict], month, rng) -> tuple[list[dict], list[str]]:
    """The events kept, by the rules of planted_changes' docstring, one row at a time."""

    def midnight(day) -> datetime:
        return datetime.combine(day, time.min, UTC)

    start = midnight(month)
    stop = midnight((month.replace(day=28) + timedelta(days=4)).replace(day=1))
    first: dict[str, datetime] = {}
    for row in rows:
        first[row["group_id"]] = min(first.get(row["group_id"], row["timestamp"]), row["timestamp"])
    seasoned = {a for a, at in first.items() if at < midnight(month - timedelta(days=400))}
    before = Counter(
        row["group_id"]
        for row in rows
        if midnight(month - timedelta(days=92)) <= row["timestamp"] < start
    )
    ranked = sorted((a for a in before if a in seasoned), key=lambda a: (-before[a], a))
    heavy = ranked[: planted_changes.USAGE_ACCOUNTS]
    stopped = {a for a in sorted(first) if rng.random() < planted_changes.FEATURE_DROPPED_SHARE}
    kept_anyway = rng.random(len(rows)) < planted_changes.USAGE_KEPT_SHARE
    kept = []
    for n, row in enumerate(rows):
        in_month = start <= row["timestamp"] < stop
        feature = row["feature"] == planted_changes.FEATURE[1] and row["group_id"] in stopped
        usage = row["group_id"] in heavy and not kept_anyway[n]
        if not (in_month and (feature or usage)):
            kept.append(row)
    return kept, heavy
