"""The chart builders: valid Vega-Lite that vl-convert renders, and waterfall arithmetic."""

from datetime import date

import pytest

from greenroom.dashboards import assets, charts

MONTHS = [
    {"period": date(2026, m, 1), "value": 100.0 * m, "partial": m == 5, "product": "a"}
    for m in range(1, 6)
]


def test_it_builds_waterfall_steps_that_add_up():
    rows = charts.waterfall_rows(750.0, [("New", 80.0), ("Churn", -30.0)], 800.0)
    assert [(r["step"], r["low"], r["high"]) for r in rows[1:]] == [
        ("New", 750.0, 830.0),
        ("Churn", 800.0, 830.0),
        ("End", rows[0]["low"], 800.0),
    ]
    # The floor sits below the lowest level by twice the span of the levels (80), not at 0.
    assert rows[0]["low"] == 750.0 - 2 * 80.0


def test_it_leaves_a_ratios_running_period_out_and_marks_others_to_date():
    ratio = charts.line("NRR", MONTHS, unit="ratio")
    assert len(ratio["data"]["values"]) == 4
    count = charts.line("MAU", MONTHS, unit="count")
    assert [v["status"] for v in count["data"]["values"]][-1] == "to date"
    assert count["data"]["values"][0]["period"] == "2026-01-01"


@pytest.mark.parametrize(
    "spec",
    [
        charts.line("MAU", MONTHS, unit="count", series="product"),
        charts.bar("ARR", [{"product": "a", "value": 1.0}], category="product", unit="currency"),
        charts.stacked_bar("Moves", MONTHS, series="product", unit="currency"),
        charts.waterfall("MRR", charts.waterfall_rows(10.0, [("New", 2.0)], 12.0)),
        charts.heatmap(
            "Cohorts",
            [{"cohort": "2026-01-05", "week": 0, "value": 1.0}],
            x="week",
            y="cohort",
            x_title="Week",
            y_title="Cohort",
        ),
        charts.scatter(
            "Staffing",
            [{"product": "a", "g": 0.1, "f": 0.2, "arr": 5.0}],
            x="g",
            y="f",
            label="product",
            size="arr",
            x_title="ARR growth",
            y_title="FTE growth",
        ),
    ],
    ids=["line", "bar", "stacked", "waterfall", "heatmap", "scatter"],
)
def test_it_renders_each_kind_of_chart_without_a_browser(spec):
    svg = assets.render({**spec, "width": 400}, "svg").decode()
    assert svg.startswith("<svg") and "</svg>" in svg
