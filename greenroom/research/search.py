"""Full-text search over feedback, notes and insights: one interface, two backends.

    page = search.find(workspace=ws, query="bulk export", kinds=["insight"], tag=tag)
    page.hits  # ranked best first: kind, object id, title, snippet, date, score

Every searchable text is a row of ``Document`` (an ordinary table, written by the services
and, for feedback, brought up to date by :func:`index_feedback` before each search: feedback
is a lower app and cannot tell research when it ingests). Each database searches that table
with its own full-text engine, set up after ``migrate`` (the post_migrate hook below), so no
migration holds engine-specific SQL:

- SQLite: an FTS5 table with external content (the ``Document`` rows), kept in step by
  triggers, Porter-stemmed, ranked by BM25 with the title weighing three times the body.
  The query is parsed here into FTS5 syntax (words, "phrases", -exclusions, OR) with every
  term quoted, so nothing a user types is read as FTS5 operators.
- PostgreSQL: a GIN index on the weighted ``tsvector`` (title A, body B, English
  configuration), queried with ``websearch_to_tsquery`` (the same words, "phrases", -words
  and OR), ranked by ``ts_rank_cd``.

Filters (kinds, a date range, a tag of feedback's taxonomy with its descendants) are the same
SQL on both. Rejected: ``icontains`` scans (no ranking, and 40x slower at 100,000 documents,
see benchmarks/research.py) and a search server (one more service to run, against the brief).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, connections
from django.db.models import Q
from django.db.models.signals import post_migrate
from django.urls import reverse

from greenroom.accounts.models import Workspace
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.research.choices import DocumentKind
from greenroom.research.models import Document, Insight, Note

TABLE = Document._meta.db_table
FTS = f"{TABLE}_fts"
# A search index entry keeps at most this much of a text: PostgreSQL refuses tsvectors over
# 1 MB, and nobody searches for the end of a 100-page transcript by its last words.
MAX_BODY = 100_000
SNIPPET = 160


@dataclass(frozen=True)
class Hit:
    """One text the search found."""

    kind: str
    object_id: int
    title: str
    snippet: str
    dated: date
    score: float

    @property
    def url(self) -> str:
        name = {"feedback": "feedback:item", "note": "research:note", "insight": "research:insight"}
        return reverse(name[self.kind], args=[self.object_id])

    @property
    def kind_label(self) -> str:
        return {"feedback": "Feedback", "note": "Note", "insight": "Insight"}[self.kind]


@dataclass
class Page:
    """The hits of one search and which engine answered."""

    hits: list[Hit] = field(default_factory=list)
    backend: str = ""


# --- the two backends -----------------------------------------------------------------------


class SqliteBackend:
    """SQLite's FTS5 with BM25 ranking."""

    name = "SQLite FTS5"

    def ensure(self, cursor) -> None:
        cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type='trigger' AND name=%s", [FTS + "_ai"]
        )
        if cursor.fetchone():
            return
        # Migrations that rebuild the table drop its triggers: recreate them and rebuild.
        cursor.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(title, body, content='{TABLE}', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
        )
        new = f"INSERT INTO {FTS}(rowid, title, body) VALUES (new.id, new.title, new.body);"
        old = (
            f"INSERT INTO {FTS}({FTS}, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body);"
        )
        cursor.execute(f"CREATE TRIGGER {FTS}_ai AFTER INSERT ON {TABLE} BEGIN {new} END")
        cursor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON {TABLE} BEGIN {old} END"
        )
        cursor.execute(
            f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE ON {TABLE} BEGIN {old} {new} END"
        )
        cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")

    def match(self, query: str) -> str:
        return fts5_query(query)

    def sql(self, where: str) -> str:
        return (
            f"SELECT d.id, bm25({FTS}, 3.0, 1.0) AS score FROM {FTS} JOIN {TABLE} d "
            f"ON d.id = {FTS}.rowid WHERE {FTS} MATCH %s AND {where} "
            "ORDER BY score, d.id LIMIT %s"
        )


VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, body), 'B'))"
)


class PostgresBackend:
    """PostgreSQL full-text search with a GIN index."""

    name = "PostgreSQL full-text"

    def ensure(self, cursor) -> None:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {FTS} ON {TABLE} USING GIN ({VECTOR})")

    def match(self, query: str) -> str:
        return query.strip()

    def sql(self, where: str) -> str:
        return (
            f"SELECT d.id, ts_rank_cd({VECTOR}, q) AS score "
            f"FROM {TABLE} d, websearch_to_tsquery('english'::regconfig, %s) q "
            f"WHERE {VECTOR} @@ q AND {where} ORDER BY score DESC, d.id LIMIT %s"
        )


def backend_for(vendor: str) -> SqliteBackend | PostgresBackend:
    """The full-text backend of a database vendor."""
    if vendor == "postgresql":
        return PostgresBackend()
    if vendor == "sqlite":
        return SqliteBackend()
    raise NotImplementedError(f"No full-text search for {vendor}.")


def _after_migrate(sender, using: str = "default", **kwargs) -> None:
    if sender.label != "research":
        return
    with connections[using].cursor() as cursor:
        backend_for(connections[using].vendor).ensure(cursor)


post_migrate.connect(_after_migrate, dispatch_uid="research-search-schema")


# --- parsing a query for FTS5 ---------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"|(\S+)')
_WORD = re.compile(r"\w+")


def fts5_query(query: str) -> str:
    """``query`` in FTS5 syntax, every term quoted: words and "phrases" must all appear,
    ``-word`` must not, ``a OR b`` either; "" when nothing is left to search for."""
    groups: list[list[str]] = [[]]
    negatives: list[str] = []
    for minus, phrase, bare in _TOKEN.findall(query):
        if bare == "OR":
            groups.append([])
            continue
        negative = bool(minus) or bare.startswith("-")
        words = _WORD.findall(phrase if phrase or minus else bare)
        if not words:
            continue
        term = '"' + " ".join(words) + '"'
        (negatives if negative else groups[-1]).append(term)
    alternatives = [" AND ".join(group) for group in groups if group]
    if not alternatives:
        return ""
    text = " OR ".join(f"({a})" for a in alternatives) if len(alternatives) > 1 else alternatives[0]
    for term in negatives:
        text = f"({text}) NOT {term}"
    return text


# --- keeping the index -----------------------------------------------------------------------


def document_put(
    *, workspace: Workspace, kind: str, object_id: int, title: str, body: str, dated: date
) -> None:
    """Add or replace one text in the index."""
    Document.objects.update_or_create(
        workspace=workspace,
        kind=kind,
        object_id=object_id,
        defaults={"title": title[:300], "body": body[:MAX_BODY], "dated": dated},
    )


def index_feedback(*, workspace: Workspace) -> int:
    """Index feedback that arrived since the last time (feedback's text never changes once
    stored); how many were added. One INSERT ... SELECT inside the database: 20,000 items
    copied row by row through Python took seconds, this takes a fraction of one."""
    last = (
        Document.objects.for_workspace(workspace)
        .filter(kind=DocumentKind.FEEDBACK)
        .order_by("-object_id")
        .values_list("object_id", flat=True)
        .first()
    )
    # Timestamps are stored in UTC on both engines; the day is the UTC day, as elsewhere.
    day = "date(f.received_at)" if connection.vendor == "sqlite" else "CAST(f.received_at AS date)"
    sql = (
        f"INSERT INTO {TABLE} (workspace_id, kind, object_id, title, body, dated) "
        f"SELECT f.workspace_id, %s, f.id, substr(f.title, 1, 300), substr(f.text, 1, %s), {day} "
        f"FROM {FeedbackItem._meta.db_table} f WHERE f.workspace_id = %s AND f.id > %s "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [DocumentKind.FEEDBACK.value, MAX_BODY, workspace.pk, last or 0])
        return max(cursor.rowcount, 0)


# --- searching -------------------------------------------------------------------------------


def _tag_ids(workspace: Workspace, tag: Tag) -> list[int]:
    """The tag and every tag below it."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Tag.objects.for_workspace(workspace).values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [tag.pk]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.append(pk)
            todo.extend(children.get(pk, []))
    return found


def _tag_filter(workspace: Workspace, tag: Tag) -> tuple[str, list]:
    ids = _tag_ids(workspace, tag)
    subqueries = {
        DocumentKind.FEEDBACK: FeedbackItem.objects.for_workspace(workspace).filter(tags__in=ids),
        DocumentKind.NOTE: Note.objects.for_workspace(workspace).filter(highlights__tags__in=ids),
        DocumentKind.INSIGHT: Insight.objects.for_workspace(workspace).filter(
            Q(tags__in=ids) | Q(highlights__tags__in=ids)
        ),
    }
    parts, params = [], []
    for kind, queryset in subqueries.items():
        sql, sub_params = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(d.kind = %s AND d.object_id IN ({sql}))")
        params.extend([kind, *sub_params])
    return "(" + " OR ".join(parts) + ")", params


def _where(workspace, kinds, since, until, tag) -> tuple[str, list]:
    clauses, params = ["d.workspace_id = %s"], [workspace.pk]
    if kinds:
        clauses.append("d.kind IN (" + ", ".join(["%s"] * len(kinds)) + ")")
        params.extend(kinds)
    if since:
        clauses.append("d.dated >= %s")
        params.append(since)
    if until:
        clauses.append("d.dated <= %s")
        params.append(until)
    if tag is not None:
        sql, tag_params = _tag_filter(workspace, tag)
        clauses.append(sql)
        params.extend(tag_params)
    return " AND ".join(clauses), params


def find(
    *,
    workspace: Workspace,
    query: str,
    kinds: Sequence[str] = (),
    since: date | None = None,
    until: date | None = None,
    tag: Tag | None = None,
    limit: int = 20,
    refresh: bool = True,
) -> Page:
    """The texts matching ``query``, best first, within the filters."""
    engine = backend_for(connection.vendor)
    page = Page(backend=engine.name)
    match = engine.match(query)
    if not match:
        return page
    if refresh:
        index_feedback(workspace=workspace)
    where, params = _where(workspace, list(kinds), since, until, tag)
    with connection.cursor() as cursor:
        cursor.execute(engine.sql(where), [match, *params, limit])
        ranked = cursor.fetchall()
    documents = Document.objects.in_bulk([pk for pk, _ in ranked])
    words = _WORD.findall(query)
    for pk, score in ranked:
        doc = documents[pk]
        page.hits.append(
            Hit(
                kind=doc.kind,
                object_id=doc.object_id,
                title=doc.title or doc.body[:80],
                snippet=snippet(doc.body, words),
                dated=doc.dated,
                score=abs(float(score)),
            )
        )
    return page


def snippet(body: str, words: Iterable[str], width: int = SNIPPET) -> str:
    """A window of ``body`` around the first word of the query found in it."""
    lowered = body.lower()
    positions = [lowered.find(w.lower()) for w in words]
    found = [p for p in positions if p >= 0]
    start = max(min(found) - width // 4, 0) if found else 0
    text = " ".join(body[start : start + width].split())
    return ("…" if start else "") + text + ("…" if start + width < len(body) else "")
