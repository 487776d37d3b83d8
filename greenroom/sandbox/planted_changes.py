"""Notable changes planted in the sandbox's generated files, for the notable changes feed
(greenroom/health) to find: seeded and deterministic, applied to the generated billing and
ledger files and to the drawn events on their way to the PostHog export, before anything
is synced, so they reach the metrics the way real data would.

In the last complete month before the files' end:

- churn: a dozen monthly-billed Mid-market accounts stop paying (their invoices from that
  month on are dropped), about eight times the segment's usual monthly churn;
- feature adoption: most accounts stop using Harbor Insights' scheduled reports (their
  events of that feature in the month are dropped);
- usage at large accounts: the two accounts with the most events in the three months before
  (of those with more than a year of usage) lose three quarters of that month's events;
- cost against revenue: the Workflow team (Harbor Automate) books a contractor invoice of
  250,000 USD in the ledger while Automate's revenue grows as before.

Everything else in the files is left as generated: what the feed raises beyond these is a
false positive (the test measures precision and recall).
"""

import csv
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from greenroom.sandbox.business import BusinessFiles, DrawnEvents

CHURNED_ACCOUNTS = 12
CHURN_SEGMENT = "Mid-market"
FEATURE = ("insights", "scheduled_reports")
FEATURE_DROPPED_SHARE = 0.85
USAGE_ACCOUNTS = 2
USAGE_KEPT_SHARE = 0.25
COST_TEAM = ("Workflow", "automate")
COST_AMOUNT = 250_000


@dataclass(frozen=True)
class Planted:
    """One planted change: its kind (as the feed names kinds) and its subject."""

    kind: str
    subject: str
    month: date


def target_month(end: date) -> date:
    """The last complete month of data ending on ``end`` (included)."""
    if (end + timedelta(days=1)).month != end.month:
        return end.replace(day=1)
    previous = end.replace(day=1) - timedelta(days=1)
    return previous.replace(day=1)


class Planting:
    """The changes planted in the billing, then in the ledger (``ledger``, written after it);
    ``events`` plants the usage ones in the drawn events on their way to the PostHog export
    (no second read and write of the largest file), then records everything planted beside
    the files."""

    def __init__(self, files: BusinessFiles, *, end: date, seed: int) -> None:
        self.rng = np.random.default_rng(seed + 1011)
        self.month = target_month(end)
        self.record = files.events.parent / "planted-changes.json"
        self.planted = _churn(files, self.month, self.rng)

    def ledger(self, files: BusinessFiles) -> None:
        """Plant the cost change in the ledger file (rewritten in place)."""
        self.planted += _cost(files, self.month)

    def events(self, drawn: DrawnEvents) -> DrawnEvents:
        """The ``drawn`` events without the planted months' dropped ones."""
        drawn, planted = _events(drawn, self.month, self.rng)
        self.planted += planted
        record = [
            {"kind": p.kind, "subject": p.subject, "month": p.month.isoformat()}
            for p in self.planted
        ]
        self.record.write_text(json.dumps(record, indent=1))
        return drawn


def plant(files: BusinessFiles, *, end: date, seed: int) -> Planting:
    """Plant the changes in the billing ``files`` (rewritten in place); then the returned
    planting's ``ledger`` plants the ledger's once it is written, and its ``events`` the
    usage ones in the drawn events before they are written for loading."""
    return Planting(files, end=end, seed=seed)


def _ts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


# Read off each invoice's raw line rather than parsing it: the generator writes them compactly
# (json.dumps with tight separators), and parsing tens of thousands of invoices and writing
# them back was most of the planting's time.
_CUSTOMER = re.compile(r'"customer":"([^"]+)","created":(\d+)')
_PERIOD = re.compile(r'"period":\{"start":(\d+),"end":(\d+)\}')


def _churn(files: BusinessFiles, month: date, rng) -> list[Planted]:
    segment_of = {}
    for line in files.stripe_customers.read_text().splitlines():
        doc = json.loads(line)
        segment_of[doc["id"]] = doc["metadata"]["segment"]
    lines = files.stripe_invoices.read_text().splitlines()
    invoices = []
    for line in lines:
        found = _CUSTOMER.search(line)
        if found is None:
            raise ValueError(f"{files.stripe_invoices}: an invoice without customer and created")
        invoices.append((found.group(1), int(found.group(2)), line))
    start, stop = _ts(month), _ts(_next_month(month))
    annual, renews_in_month, late_renewal = set(), set(), set()
    for customer, created, line in invoices:
        if any(int(b) - int(a) > 32 * 86400 for a, b in _PERIOD.findall(line)):
            annual.add(customer)
        if start <= created < stop:
            renews_in_month.add(customer)
            # Renewing late in the month: its last paid period would reach the next month.
            if datetime.fromtimestamp(created, UTC).day > 25:
                late_renewal.add(customer)
    candidates = sorted(
        customer
        for customer in renews_in_month - annual - late_renewal
        if segment_of.get(customer) == CHURN_SEGMENT
    )
    chosen = set(rng.choice(candidates, size=min(CHURNED_ACCOUNTS, len(candidates)), replace=False))
    kept = [
        line
        for customer, created, line in invoices
        if not (customer in chosen and created >= start)
    ]
    files.stripe_invoices.write_text("\n".join(kept) + "\n")
    return [Planted("segment_churn", CHURN_SEGMENT, month)]


def _events(events: DrawnEvents, month: date, rng) -> tuple[DrawnEvents, list[Planted]]:
    start, stop = _ts(month), _ts(_next_month(month))
    sent, account = events.sent, events.account
    in_month = (sent >= start) & (sent < stop)
    # The accounts with the most events in the three months before: the large ones.
    before = (sent >= _ts(month - timedelta(days=92))) & (sent < start)
    # Among accounts with a year and more of usage: a drop is against an account's usual
    # months, and a younger account has too few of them to be scored. Events are in time
    # order, so an account's first event is its first usage. Codes follow the names' order.
    accounts, first = np.unique(account, return_index=True)
    seasoned = accounts[sent[first] < _ts(month - timedelta(days=400))]
    counts = np.bincount(account[before], minlength=len(events.account_names))
    seasoned = seasoned[counts[seasoned] > 0]
    heavy = seasoned[np.lexsort((seasoned, -counts[seasoned]))][:USAGE_ACCOUNTS]
    stopped = accounts[rng.random(len(accounts)) < FEATURE_DROPPED_SHARE]
    feature = np.flatnonzero(events.feature_names == FEATURE[1])
    drop_feature = (
        in_month
        & ~events.page_view
        & np.isin(events.feature, feature)
        & _member(account, stopped, len(events.account_names))
    )
    keep_draw = rng.random(len(events)) < USAGE_KEPT_SHARE
    drop_usage = in_month & _member(account, heavy, len(events.account_names)) & ~keep_draw
    return events.where(~(drop_feature | drop_usage)), [
        Planted("feature_adoption", f"{FEATURE[0]} · {FEATURE[1]}", month),
        *(Planted("account_usage", str(events.account_names[code]), month) for code in heavy),
    ]


def _member(codes: np.ndarray, chosen: np.ndarray, size: int) -> np.ndarray:
    """Whether each of ``codes`` is one of ``chosen`` (codes below ``size``)."""
    lookup = np.zeros(size, dtype=bool)
    lookup[chosen] = True
    return lookup[codes]


def _cost(files: BusinessFiles, month: date) -> list[Planted]:
    team, product = COST_TEAM
    with files.costs.open("a", newline="") as handle:
        csv.writer(handle).writerow(
            [
                f"GL-{month:%Y%m}-PLANT-6300",
                (month + timedelta(days=14)).isoformat(),
                "6300",
                team,
                COST_AMOUNT,
                "USD",
                "Contractors",
            ]
        )
    return [Planted("cost_vs_revenue", product, month)]
