"""The register of metrics: each declared once, by keyword, next to its computation."""

import pytest

from greenroom.metrics.definitions import METRICS, metric
from greenroom.metrics.definitions.cost import cost
from greenroom.metrics.definitions.revenue import mrr
from greenroom.metrics.definitions.usage import active_users


def test_it_registers_each_metric_with_the_function_computing_it():
    assert METRICS["mrr"].compute is mrr
    assert METRICS["active_users"].compute is active_users
    assert METRICS["cost"].compute is cost


def test_it_lists_revenue_then_usage_then_cost_metrics():
    names = list(METRICS)
    assert names.index("billings") < names.index("active_users") < names.index("cost")
    assert names[:2] == ["mrr", "arr"] and names[-1] == "revenue_per_fte"


def test_it_refuses_a_second_metric_of_the_same_name():
    declare = metric(
        name="mrr", title="MRR again", unit="currency", description="", formula="", sources=()
    )
    with pytest.raises(ValueError, match="declared twice"):
        declare(mrr)
    assert METRICS["mrr"].title == "MRR"
