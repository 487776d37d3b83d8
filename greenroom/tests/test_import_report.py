"""The one report every importer uses: each problem names its file, row and field."""

import pytest

from greenroom.lib.imports.report import ImportRejected, ImportReport, Problem


def test_a_problem_names_its_file_row_and_field():
    assert str(Problem("gl.csv", 3, "amount", "not an amount: ten")) == (
        "gl.csv, row 3, amount: not an amount: ten"
    )
    assert str(Problem("gl.csv", None, "(file)", "cannot be read")) == (
        "gl.csv, (file): cannot be read"
    )
    assert str(Problem("org.json", "products[0]", "product_line", "no product line")) == (
        "org.json: products[0].product_line: no product line"
    )


def test_it_keeps_the_first_problems_and_counts_the_rest():
    report = ImportReport(file="big.csv", kind="contacts")
    for row in range(1500):
        report.problem(row + 2, "Email", "not a valid email address")
    assert (len(report.problems), report.problem_count) == (1000, 1500)
    assert report.summary() == "big.csv: 1500 problems, nothing imported"


def test_a_rejection_lists_the_whole_file_first_then_rows_in_order():
    report = ImportReport(file="a.csv", kind="accounts")
    report.problem(5, "Name", "is required")
    report.problem(None, "(file)", "line 9 is not valid UTF-8")
    report.problem(2, "Owner", "not a person")
    with pytest.raises(ImportRejected) as caught:
        raise ImportRejected(report)
    assert [p.row for p in caught.value.report.problems] == [None, 2, 5]
    assert caught.value.messages[1] == "a.csv, row 2, Owner: not a person"


def test_a_document_counts_each_kind_in_the_order_first_counted():
    report = ImportReport(file="org.json")
    report.count("created", 2, kind="teams")
    report.count("unchanged", kind="products")
    report.count("updated", kind="teams")
    assert report.counts("created") == {"teams": 2}
    assert report.summary() == (
        "teams: 2 new, 1 updated, 0 unchanged; products: 0 new, 0 updated, 1 unchanged"
    )
    assert ImportReport(file="empty.json").summary() == "nothing to import"


def test_a_chunks_tally_adds_to_the_report_once_saved():
    report, tally = (
        ImportReport(file="c.csv", kind="contacts"),
        ImportReport(file="", kind="contacts"),
    )
    tally.count("created", 900)
    tally.count("unchanged", 3)
    report.merge(tally)
    assert report.summary() == "c.csv: 900 new, 0 updated, 3 unchanged"
