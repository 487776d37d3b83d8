"""Every list page is a ``Listing``: one page of rows, its sort, and the URLs around it.

A view gives the rows (a queryset its selector already filtered), the columns it shows, which
of them sort and how, and the page size; ``templates/components/list.html`` draws the table
(sortable headings with ``aria-sort``, a sticky header, first/previous/next/last and the
shared empty state) and ``Listing.export`` writes the same columns, filters and sort as a
CSV or XLSX download through ``lib/exports.py``. Every URL it makes keeps the request's
other query parameters, so filters survive paging, sorting and exporting, and a list page
is a link that can be shared.

Sorting is by names the view allows (``?sort=arr`` or ``?sort=-arr``), never by a field the
URL names, so the URL cannot order by a column the viewer must not see. The primary key ends
every ordering so pages neither repeat nor skip rows that tie.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import urlencode

from greenroom.lib.exports import Format, export_response

# Query parameters the listing owns; every other one is a filter and is kept in its URLs.
PAGE, SORT, EXPORT = "page", "sort", "export"
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
# The partial every list page defines around its list: htmx requests get only this.
PARTIAL = "list"
# Rows fetched per query while an export is written (memory stays flat on large lists).
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Column:
    """A column of a list: its heading, how it sorts (``order`` is the ORM path, empty when
    it does not sort) and its value in an export (``value(row)``; None leaves it out).
    ``shown=False`` is a column of the export only (a contact's email, say, masked as the
    member may see it, where the page has no room for it)."""

    label: str
    key: str = ""
    order: str | tuple[str, ...] = ()
    value: Callable[[Any], Any] | None = None
    numeric: bool = False
    shown: bool = True

    @property
    def sortable(self) -> bool:
        return bool(self.key and self.order)

    def order_paths(self) -> tuple[str, ...]:
        return (self.order,) if isinstance(self.order, str) else self.order


@dataclass(frozen=True)
class Heading:
    """A column heading as the table draws it."""

    label: str
    numeric: bool
    url: str
    aria_sort: str


class Listing:
    """One page of ``rows`` in the requested order, with what the table component needs."""

    def __init__(
        self,
        request: HttpRequest,
        rows: QuerySet | Sequence,
        *,
        columns: Sequence[Column] = (),
        default_sort: str = "",
        page_size: int = 50,
        rows_template: str = "",
        export_name: str = "",
        prepare: Callable[[list], None] | None = None,
        noun: tuple[str, str] = ("row", "rows"),
        scope: Sequence[str] = (),
    ) -> None:
        self.request = request
        self.columns = list(columns)
        self.rows_template = rows_template
        self.export_name = export_name
        self.noun = noun
        # Parameters that choose which list this is (a study, a kind) rather than filter it.
        self.scope = tuple(scope)
        self._prepare = prepare or (lambda rows: None)
        self._by_key = {column.key: column for column in self.columns if column.sortable}
        self.sort_key, self.descending = self._requested_sort(default_sort)
        self.ordered = self._ordered(rows)
        self.page: Page = Paginator(self.ordered, page_size).get_page(request.GET.get(PAGE))
        self.rows = list(self.page.object_list)
        self._prepare(self.rows)

    def _requested_sort(self, default: str) -> tuple[str, bool]:
        for wanted in (self.request.GET.get(SORT, ""), default):
            key = wanted.removeprefix("-")
            if key in self._by_key:
                return key, wanted.startswith("-")
        return "", False

    def _ordered(self, rows: QuerySet | Sequence) -> QuerySet | Sequence:
        if not self.sort_key or not isinstance(rows, QuerySet):
            return rows
        paths = self._by_key[self.sort_key].order_paths()
        # Blanks last both ways, the same on SQLite and PostgreSQL.
        if self.descending:
            order = [F(path).desc(nulls_last=True) for path in paths]
        else:
            order = [F(path).asc(nulls_last=True) for path in paths]
        return rows.order_by(*order, "-pk" if self.descending else "pk")

    # Counts and state ---------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def page_count(self) -> int:
        return self.page.paginator.num_pages

    @property
    def count_label(self) -> str:
        return f"{self.count} {self.noun[0] if self.count == 1 else self.noun[1]}"

    @property
    def filtered(self) -> bool:
        """Whether any filter is set (an empty list then says "nothing matches")."""
        return any(value.strip() for value in self._filters().values())

    def _filters(self) -> dict[str, str]:
        owned = {PAGE, SORT, EXPORT, *self.scope}
        return {key: self.request.GET.get(key, "") for key in self.request.GET if key not in owned}

    # URLs ---------------------------------------------------------------------------------

    def url(self, **changes: str | int | None) -> str:
        """This list's URL with ``changes`` to its query (None drops a parameter)."""
        query = self.request.GET.copy()
        for key, value in changes.items():
            query.pop(key, None)
            if value not in (None, ""):
                query[key] = str(value)
        encoded = query.urlencode()
        return self.request.path + ("?" + encoded if encoded else "")

    def page_url(self, number: int) -> str:
        return self.url(page=None if number == 1 else number, export=None)

    @property
    def pages(self) -> dict[str, str]:
        """First, previous, next and last page links (those that lead somewhere else)."""
        number, last = self.page.number, self.page_count
        links = {}
        if number > 1:
            links["first"] = self.page_url(1)
            links["previous"] = self.page_url(number - 1)
        if number < last:
            links["next"] = self.page_url(number + 1)
            links["last"] = self.page_url(last)
        return links

    @property
    def clear_url(self) -> str:
        """The list with no filter, in the same order."""
        kept = [
            (key, self.request.GET[key]) for key in (*self.scope, SORT) if key in self.request.GET
        ]
        return self.request.path + ("?" + urlencode(kept) if kept else "")

    @property
    def headings(self) -> list[Heading]:
        return [self._heading(column) for column in self.columns if column.shown]

    def _heading(self, column: Column) -> Heading:
        if not column.sortable:
            return Heading(column.label, column.numeric, "", "")
        current = column.key == self.sort_key
        # A click on the current column turns it round; on another, sorts by it ascending.
        wanted = f"-{column.key}" if current and not self.descending else column.key
        aria = ("descending" if self.descending else "ascending") if current else "none"
        return Heading(column.label, column.numeric, self.url(sort=wanted, page=None), aria)

    @property
    def export_urls(self) -> dict[str, str]:
        if not self.export_name:
            return {}
        return {fmt: self.url(export=fmt, page=None) for fmt in FORMATS}

    # Export -------------------------------------------------------------------------------

    @property
    def export_format(self) -> Format | None:
        """The format asked for with ``?export=``, when this list can be exported."""
        wanted = self.request.GET.get(EXPORT)
        return wanted if self.export_name and wanted in FORMATS else None  # type: ignore[return-value]

    def export_rows(self) -> Iterator[list[Any]]:
        """The header and every row matching the filters, in the shown order, with the
        columns the page shows (those that have an export value)."""
        exported = [column for column in self.columns if column.value is not None]
        yield [column.label for column in exported]
        for chunk in self._chunks():
            self._prepare(chunk)
            for row in chunk:
                yield [column.value(row) for column in exported]  # type: ignore[misc]

    def _chunks(self) -> Iterator[list]:
        rows = self.ordered
        if not isinstance(rows, QuerySet):
            yield list(rows)
            return
        for start in range(0, self.count, EXPORT_CHUNK):
            yield list(rows[start : start + EXPORT_CHUNK])

    def export(self, rows: Iterable[Sequence[Any]] | None = None) -> HttpResponseBase:
        """The download asked for: every matching row, not only this page."""
        fmt = self.export_format
        assert fmt is not None, "export() is only called when export_format is set"
        if rows is None:
            rows = self.export_rows()
        return export_response(rows, filename=self.export_name, format=fmt)


def render_list(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The page, or for htmx (a filter, sort or page link) only its ``list`` partial."""
    # Going back to a list asks htmx for the whole page again (a history restore).
    htmx = getattr(request, "htmx", None)  # django-htmx's middleware sets it on every request
    partial = htmx and not htmx.history_restore_request
    name = f"{template}#{PARTIAL}" if partial else template
    return render(request, name, context, status=status)
