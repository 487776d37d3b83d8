"""The dashboards and explain pages: roles, the outsider, filters in the URL, bad input,
empty states, htmx partials, downloads and the home card."""

import pytest

from greenroom.dashboards.selectors import DASHBOARDS

pytestmark = pytest.mark.django_db

PAGES = [f"/dashboards/{key}/" for key in DASHBOARDS]


@pytest.mark.parametrize("url", PAGES)
def test_it_shows_every_dashboard_to_every_role(loaded, url):
    for user in loaded.by_role().values():
        response = loaded.client(user).get(url)
        assert response.status_code == 200, (user, url)
        assert "Headline figures are for" in response.content.decode()


@pytest.mark.parametrize("url", [*PAGES, "/dashboards/explain/mrr/"])
def test_it_shows_an_outsider_none_of_this_workspaces_numbers(loaded, url):
    page = loaded.client(loaded.outsider).get(url).content.decode()
    assert "No business data yet" in page or "No data" in page
    assert "$10.0K" not in page


def test_it_sends_anonymous_visitors_to_sign_in(loaded):
    response = loaded.client(None).get("/dashboards/executive/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_shows_the_executive_headline_as_worked_out_by_hand(loaded):
    # May 2026: MRR 830 → ARR 9,960; three months before (Feb): 770 → 9,240 (+7.8 %).
    page = loaded.client(loaded.viewer).get("/dashboards/executive/?period=3m").content.decode()
    assert 'title="$9,960.00">$10.0K<' in page
    assert "+7.8 %" in page
    assert "May 2026" in page


def test_it_says_there_is_no_comparison_before_the_data_begins(loaded):
    page = loaded.client(loaded.viewer).get("/dashboards/executive/").content.decode()
    assert "no comparison" in page  # May 2025 has no revenue


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=2025Q9", "is not a period"),
        ("period=%3Cscript%3E", "is not a period"),
        ("segment=%3Cscript%3Ealert(1)%3C/script%3E", "Ignored segment="),
        ("product=no-such-product", "Ignored product="),
        ("by=country", "Ignored by="),
    ],
)
def test_it_explains_a_crafted_filter_and_never_fails(loaded, query, message):
    response = loaded.client(loaded.viewer).get(f"/dashboards/customers/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "<script>alert" not in page


def test_it_says_why_a_period_without_data_is_empty(loaded):
    page = loaded.client(loaded.viewer).get("/dashboards/executive/?period=2024").content.decode()
    assert "Nothing to show for these filters" in page
    assert "billing data runs from Jan 2026" in page


def test_it_answers_a_filter_change_with_the_dashboard_body_only(loaded):
    response = loaded.client(loaded.viewer).get(
        "/dashboards/usage/?period=6m", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="dashboard"
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and "Headline figures are for" in page


def test_it_refuses_an_unknown_dashboard_or_chart(loaded):
    client = loaded.client(loaded.viewer)
    assert client.get("/dashboards/nope/").status_code == 404
    assert client.get("/dashboards/executive/charts/nope.csv").status_code == 404
    assert client.get("/dashboards/executive/charts/arr.exe").status_code == 404


def test_it_downloads_a_charts_data_as_shown(loaded):
    client = loaded.client(loaded.viewer)
    response = client.get("/dashboards/executive/charts/arr.csv?period=3m")
    text = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert text.splitlines()[0] == "period,value,status"
    assert "2026-05-01,9960.0,complete" in text
    xlsx = client.get("/dashboards/executive/charts/arr.xlsx?period=3m")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_it_draws_a_charts_image_on_the_server(loaded):
    response = loaded.client(loaded.viewer).get("/dashboards/executive/charts/movements.svg")
    assert response.status_code == 200
    assert response.content.startswith(b"<svg")


def test_it_explains_logo_churn_with_the_accounts_behind_it(loaded):
    # March 2026: cus_C (50) and cus_T (70) stop paying; six accounts paid in February.
    page = (
        loaded.client(loaded.viewer)
        .get("/dashboards/explain/logo_churn/?month=2026-03-01")
        .content.decode()
    )
    assert "Logo churn" in page and "Formula" in page
    assert "2 accounts (churn)" in page
    assert "SELECT" in page  # the query that produced it
    assert "Sources and freshness" in page and "raw.stripe_invoices" in page
    assert "<h3" in page  # docs/metrics.md rendered, not a JSON dump


def test_it_answers_an_unknown_metric_or_month_clearly(loaded):
    client = loaded.client(loaded.viewer)
    response = client.get("/dashboards/explain/nope/")
    assert response.status_code == 404 and "Unknown metric" in response.content.decode()
    page = client.get("/dashboards/explain/mrr/?month=garbage").content.decode()
    assert "Ignored month=" in page


def test_it_puts_the_executive_headline_on_the_home_page_for_product_ops_and_admins(loaded):
    for user in (loaded.admin, loaded.ops):
        page = loaded.client(user).get("/").content.decode()
        assert "Executive overview" in page and "$10.0K" in page
    for user in (loaded.pm, loaded.viewer):
        assert "home-exec-head" not in loaded.client(user).get("/").content.decode()


def test_it_notes_that_costs_are_not_split_by_segment(loaded):
    page = (
        loaded.client(loaded.viewer).get("/dashboards/portfolio/?segment=unknown").content.decode()
    )
    assert "Cost and headcount belong to teams" in page or "Nothing to show" in page


CRAFTED = [
    "period=%00",
    "period=" + "9" * 400,
    "period=2026Q0",
    "period=-12m",
    "period=0m",
    "period=99999m",
    "product=" + "x" * 500,
    "segment=%E2%80%AE&segment=SMB&segment=",
    "market[]=1",
    "by=%00",
    "month=2026-02-30",
    "month=0001-01-01",
    "month=9999-12-31",
    "sort=-&page=-1",
]
CRAFTED_URLS = [
    *PAGES,
    "/dashboards/executive/charts/arr.csv",
    "/dashboards/customers/charts/arr-by-segment.xlsx",
    "/dashboards/usage/charts/mau.json",
    "/dashboards/explain/logo_churn/",
    "/dashboards/explain/%3Cscript%3E/",
    "/dashboards/board-pack/",
    "/dashboards/custom/",
]


def test_it_never_fails_on_a_crafted_url(loaded):
    client = loaded.client(loaded.viewer)
    for url in CRAFTED_URLS:
        for query in CRAFTED:
            response = client.get(f"{url}?{query}")
            assert response.status_code in (200, 400, 403, 404), (url, query, response.status_code)
            if not response.streaming:
                assert "Traceback" not in response.content.decode(errors="replace")
    hx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dashboard"}
    for query in CRAFTED:
        assert client.get(f"/dashboards/usage/?{query}", **hx).status_code == 200, query
    ops = loaded.client(loaded.ops)
    for quarter in ("2099Q1", "2026Q7", "<b>", ""):
        response = ops.post("/dashboards/board-pack/", {"quarter": quarter})
        assert response.status_code in (200, 400), quarter
