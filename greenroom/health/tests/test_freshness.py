"""Freshness against each kind of schedule."""

from datetime import UTC, datetime, timedelta

from greenroom.health.freshness import freshness, longest_gap

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_it_reads_the_longest_gap_of_intervals_and_cron_lines():
    assert longest_gap("6h") == timedelta(hours=6)
    assert longest_gap("0 3 * * *") == timedelta(days=1)
    assert longest_gap("0 3 * * 1-5") == timedelta(days=3)  # Friday to Monday
    assert longest_gap("*/15 * * * *") == timedelta(minutes=15)
    assert longest_gap("") is None


def test_it_allows_a_quarter_of_the_gap_before_calling_a_source_late():
    # 6 h schedule: late after 6 h + 1 h 30.
    fresh = freshness(
        schedule="6h", last_synced_at=NOW - timedelta(hours=7), last_run_failed=False, now=NOW
    )
    late = freshness(
        schedule="6h", last_synced_at=NOW - timedelta(hours=8), last_run_failed=False, now=NOW
    )
    assert (fresh.state, late.state) == ("fresh", "late")
    assert late.allowed == timedelta(hours=7, minutes=30)


def test_it_gives_short_schedules_at_least_fifteen_minutes_of_grace():
    state = freshness(
        schedule="15m", last_synced_at=NOW - timedelta(minutes=29), last_run_failed=False, now=NOW
    )
    assert state.state == "fresh" and state.allowed == timedelta(minutes=30)


def test_it_never_calls_a_source_synced_by_hand_late_but_says_when_a_sync_failed():
    old = NOW - timedelta(days=300)
    assert (
        freshness(schedule="", last_synced_at=old, last_run_failed=False, now=NOW).state == "manual"
    )
    assert (
        freshness(schedule="", last_synced_at=old, last_run_failed=True, now=NOW).state == "failing"
    )
    assert (
        freshness(schedule="1d", last_synced_at=None, last_run_failed=False, now=NOW).state
        == "never"
    )
    assert (
        freshness(schedule="bogus", last_synced_at=old, last_run_failed=False, now=NOW).state
        == "invalid"
    )
