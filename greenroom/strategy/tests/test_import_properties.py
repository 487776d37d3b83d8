"""The horizon rule and delivery progress against independent computations."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from greenroom.strategy.horizons import horizon_read
from greenroom.strategy.jira import Issue, Mapping, deliveries
from greenroom.strategy.models import Team

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(target=DAYS, today=DAYS, width=st.integers(min_value=2, max_value=8))
def test_a_dates_column_is_its_quarters_ahead_of_today(target, today, width):
    columns = [f"Column {n}" for n in range(width)]
    # Quarters counted from year 0, a different route from the rule's (year, quarter) pairs.
    ahead = (target.year * 12 + target.month - 1) // 3 - (today.year * 12 + today.month - 1) // 3
    found = horizon_read(target.isoformat(), columns, today)
    assert found.column == columns[min(max(ahead, 0), width - 1)]
    assert found.quarter == f"{target.year}-Q{(target.month + 2) // 3}"


CHILD = st.tuples(
    st.sampled_from(["new", "indeterminate", "done"]),
    st.one_of(st.none(), st.integers(min_value=0, max_value=13)),
)


@given(children=st.lists(CHILD, max_size=30))
def test_delivery_counts_done_children_and_their_points(children):
    epic = Issue("PAY-1", "Epic", "Epic", "In Progress", "indeterminate")
    stories = [
        Issue(f"PAY-{n + 2}", "s", "Story", "x", category, parent="PAY-1", points=points)
        for n, (category, points) in enumerate(children)
    ]
    found = deliveries([epic, *stories], Mapping(Team(), ["Epic"], {}))["PAY-1"]
    assert (found.done, found.total) == (sum(c == "done" for c, _ in children), len(children))
    pointed = [(c, p) for c, p in children if p is not None]
    if pointed:
        assert found.points_total == sum(p for _, p in pointed)
        assert found.points_done == sum(p for c, p in pointed if c == "done")
    else:
        assert found.points_total is None and found.points_done is None
