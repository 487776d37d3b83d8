"""Generated Stripe files (repeats, conflicting repeats, bad currencies in invoices and in
their lines, lines without an amount, with and without quarantine): the sync's counts match a
record-by-record computation written here independently of the loader's SQL, and read =
loaded + rejected + skipped always."""

import json
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenroom.sources import services
from greenroom.sources.tests.conftest import make_source, query

customers = st.tuples(
    st.just("customer"), st.integers(0, 2), st.sampled_from(["Acme", "Beta"]), st.just(0)
)
invoices = st.tuples(
    st.just("invoice"),
    st.integers(0, 2),
    st.sampled_from(["eur", "zzz"]),  # zzz: not an ISO 4217 code
    # Each line: its currency (xxy: not a code) and its amount (None: refused, docs/metrics.md).
    st.lists(st.tuples(st.sampled_from(["eur", "xxy"]), st.sampled_from([1500, None])), max_size=3),
)
files = st.lists(st.one_of(customers, invoices), min_size=1, max_size=8)
names = count()


def _document(record) -> dict:
    kind, number, value, lines = record
    if kind == "customer":
        return {"id": f"cus_{number}", "object": "customer", "created": 1704153600, "name": value}
    return {
        "id": f"in_{number}",
        "object": "invoice",
        "created": 1704153600,
        "currency": value,
        "lines": {
            "object": "list",
            "has_more": False,
            "data": [
                {"id": f"il_{number}_{i}", "object": "line_item", "currency": currency}
                | ({"amount": amount} if amount is not None else {})
                for i, (currency, amount) in enumerate(lines)
            ],
        },
    }


def _staged_rows(document) -> list[tuple[str, str, str, bool]]:
    """(table, id, content, passes its checks) for the rows one record becomes."""
    content = json.dumps(document, sort_keys=True)
    own_ok = document.get("currency", "eur") == "eur"
    rows = [(document["object"], document["id"], content, own_ok)]
    for line in document.get("lines", {}).get("data", []):
        # A line's content includes its invoice's id and created (its own created is theirs).
        line_content = json.dumps([line, document["id"], document["created"]], sort_keys=True)
        ok = line["currency"] == "eur" and line.get("amount") is not None
        rows.append(("line", line["id"], line_content, ok))
    return rows


def expected_counts(records, *, quarantine: bool) -> tuple[int, int, int]:
    """(loaded, rejected, skipped) by the documented rules (docs/jobs.md, "Counting rows")."""
    first: dict[tuple[str, str], str] = {}
    outcomes = []
    for record in records:
        kept, bad = 0, False
        for table, key, content, ok in _staged_rows(_document(record)):
            if (table, key) not in first:
                first[(table, key)] = content
                kept, bad = kept + 1, bad or not ok
            elif content != first[(table, key)]:
                kept, bad = kept + 1, True  # the same id with other content
            # else: an exact repeat of an earlier row, dropped
        outcomes.append("skipped" if not kept else "rejected" if bad else "loaded")
    if not quarantine and "rejected" in outcomes:
        return 0, len(records), 0  # the file is rejected whole
    return tuple(outcomes.count(name) for name in ("loaded", "rejected", "skipped"))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(records=files, quarantine=st.booleans())
def test_counts_match_an_independent_count_of_the_records(workspace, tmp_path, records, quarantine):
    name = f"billing-{next(names)}"
    path = tmp_path / f"{name}.jsonl"
    path.write_text("".join(json.dumps(_document(r)) + "\n" for r in records))
    run = services.source_sync(
        source=make_source(workspace, "stripe_files", path, name=name, quarantine=quarantine)
    )
    counts = (run.rows_loaded, run.rows_rejected, run.rows_skipped)
    assert run.rows_in == len(records) == sum(counts)
    assert counts == expected_counts(records, quarantine=quarantine)
    # Embedded objects loaded are the invoice lines the store now holds from this source.
    (lines,) = query("SELECT count(*) FROM raw.stripe_invoice_lines WHERE _source = ?", [name])[0]
    assert run.embedded_loaded == lines
