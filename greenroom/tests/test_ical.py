"""The iCalendar text both calendar feeds (reviews, launches) are written with."""

from greenroom.lib import ical


def test_it_folds_and_escapes_ical_text():
    assert ical.escape("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne"
    line = "SUMMARY:" + "é" * 60
    folded = ical.fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line
