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
        charts.grouped_bar("MAU", MONTHS, series="product", unit="count"),
        charts.daily_stacked_bar(
            "Rows",
            [{"period": date(2026, 5, 3), "source": "a", "value": 9.0}],
            series="source",
            unit="count",
            first=date(2026, 4, 4),
            last=date(2026, 5, 3),
        ),
    ],
    ids=["line", "bar", "stacked", "waterfall", "heatmap", "scatter", "grouped", "daily"],
)
def test_it_renders_each_kind_of_chart_without_a_browser(spec):
    svg = assets.render({**spec, "width": 400}, "svg").decode()
    assert svg.startswith("<svg") and "</svg>" in svg


def _svg(spec: dict, width: int) -> str:
    return assets.render({**spec, "width": width}, "svg").decode()


def test_it_writes_cell_values_only_in_cells_wide_enough_for_them():
    rows = [{"cohort": "2026-01-05", "week": w, "value": 1.0 - w / 20} for w in range(12)]
    spec = charts.heatmap("Cohorts", rows, x="week", y="cohort", x_title="W", y_title="C")
    # 12 cells: at 480 px each is 40 px wide; at 240 px, 20 px at most, too narrow for
    # "95%" (week 1's value; the legend's labels are 0 %, 25 %, ... 100 %).
    assert ">95%<" in _svg(spec, 480)
    assert ">95%<" not in _svg(spec, 240)


def test_it_writes_thousands_on_axes_as_the_figures_do():
    spec = charts.bar("Users", [{"p": "a", "value": 50_000.0}], category="p", unit="count")
    svg = _svg(spec, 400)
    assert ">50K<" in svg and ">50k<" not in svg


def test_it_leaves_the_running_period_out_of_counts_that_grow_through_it():
    drawn = charts.line("MAU", MONTHS, unit="count", to_date=False)["data"]["values"]
    assert [v["period"] for v in drawn] == [f"2026-0{m}-01" for m in range(1, 5)]


def test_it_draws_slices_side_by_side_not_summed():
    spec = charts.grouped_bar("MAU", MONTHS, series="product", unit="count")
    assert spec["encoding"]["y"]["stack"] is None
    assert spec["encoding"]["xOffset"]["field"] == "product"
