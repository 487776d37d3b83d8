"""Usage of one feature from the raw usage events, in DuckDB: by a beta's participants'
accounts, and by all active accounts after a launch (adoption).

A feature is named as the events name it: their ``feature`` value (Segment and PostHog
exports carry one) or, failing that, the event's name. Accounts are matched by every key the
data engine knows them by (``model.account_keys``: CRM ids, Stripe customer, group id), so a
participant's account is found whichever id its events carry. Only counts leave DuckDB.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import duckdb

USES = "(e.feature = $feature OR e.event = $feature)"


@dataclass(frozen=True)
class AccountUsage:
    """One account's use of the feature in the window: events and distinct users."""

    events: int
    users: int


def _keys(connection: duckdb.DuckDBPyConnection, given: Mapping[int, Sequence[str]]) -> list:
    """(owner, key) pairs: each owner's own keys plus every key of the same account."""
    pairs = [(owner, key) for owner, keys in given.items() for key in keys]
    if not pairs:
        return []
    try:
        found = connection.execute(
            """
            WITH wanted AS (SELECT unnest($owner) AS owner, unnest($key) AS key)
            SELECT DISTINCT w.owner, k2.key
            FROM wanted w
            JOIN model.account_keys k ON k.key = w.key
            JOIN model.account_keys k2 ON k2.account_id = k.account_id
            """,
            {"owner": [p[0] for p in pairs], "key": [p[1] for p in pairs]},
        ).fetchall()
    except duckdb.CatalogException:  # no refresh has built the key map: the keys as given
        found = []
    return sorted(set(pairs) | {(int(o), str(k)) for o, k in found})


def feature_usage_by_account(
    connection: duckdb.DuckDBPyConnection,
    *,
    feature: str,
    accounts: Mapping[int, Sequence[str]],
    since: datetime,
    table: str = "raw.events",
) -> dict[int, AccountUsage]:
    """For each account (its pk and keys), events of ``feature`` since ``since`` and the
    distinct users behind them; accounts with none are left out."""
    pairs = _keys(connection, accounts)
    if not pairs or not feature:
        return {}
    rows = connection.execute(
        f"""
        WITH keys AS (SELECT unnest($owner) AS owner, unnest($key) AS key)
        SELECT k.owner, count(*), count(DISTINCT coalesce(e.user_id, e.anonymous_id))
        FROM {table} e JOIN keys k ON k.key = e.account_id
        WHERE e.account_id IN (SELECT unnest($key)) AND e.occurred_at >= $since AND {USES}
        GROUP BY k.owner
        """,
        {
            "owner": [p[0] for p in pairs],
            "key": [p[1] for p in pairs],
            "since": since,
            "feature": feature,
        },
    ).fetchall()
    return {int(owner): AccountUsage(int(events), int(users)) for owner, events, users in rows}


@dataclass(frozen=True)
class Adoption:
    """Accounts active in the window, those of them that used the feature, and the share."""

    active_accounts: int
    adopting_accounts: int
    start: date
    end: date

    @property
    def share(self) -> float | None:
        """Percent of active accounts that used the feature (None with no active account)."""
        if not self.active_accounts:
            return None
        return 100 * self.adopting_accounts / self.active_accounts


def adoption(
    connection: duckdb.DuckDBPyConnection,
    *,
    feature: str,
    start: date,
    days: int,
    table: str = "raw.events",
) -> Adoption:
    """Of the accounts with any event in ``days`` days from ``start`` (UTC days), how many
    used ``feature`` in them. An account is the ``account_id`` its events carry; events
    without one (anonymous, or a source with no groups) are not counted."""
    begin = datetime.combine(start, time.min, tzinfo=UTC)
    end = begin + timedelta(days=days)
    row = connection.execute(
        f"""
        SELECT count(DISTINCT e.account_id),
               count(DISTINCT e.account_id) FILTER (WHERE {USES})
        FROM {table} e
        WHERE e.occurred_at >= $begin AND e.occurred_at < $end AND e.account_id IS NOT NULL
        """,
        {"begin": begin, "end": end, "feature": feature},
    ).fetchone()
    active, adopting = (int(row[0]), int(row[1])) if row else (0, 0)
    return Adoption(active, adopting, start, start + timedelta(days=days - 1))
