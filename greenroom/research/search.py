"""Full-text search over feedback, notes and insights: one interface, two backends.

    page = search.find(workspace=ws, query="bulk export", kinds=["insight"], tag=tag)
    page.hits  # ranked best first: kind, object id, title, snippet, date, score

Every searchable text is a row of ``Document`` (an ordinary table), written when the text is:
notes and insights by research's services, feedback by :func:`feedback_index` when feedback
sends ``feedback_imported`` after each ingest (receivers.py; feedback is the lower app and
cannot call research). A search only reads. :func:`reindex` (``greenroom manage
search_reindex``) builds a workspace's index again from the texts. Each database searches that
table with its own full-text engine, set up after ``migrate`` (the post_migrate hook below), so
no migration holds engine-specific SQL:

- SQLite: an FTS5 table with external content (the ``Document`` rows), kept in step by
  triggers, Porter-stemmed, ranked by BM25 with the title weighing three times the body.
  The query is parsed here into FTS5 syntax (words, "phrases", -exclusions, OR) with every
  term quoted, so nothing a user types is read as FTS5 operators.
- PostgreSQL: a stored generated ``tsvector`` column (title A, body B, English
  configuration) with a GIN index, queried with ``websearch_to_tsquery`` (the same words,
  "phrases", -words and OR), ranked by ``ts_rank_cd``. Stored, because ranking reads the
  vector of every match: recomputing it from the text per row took seconds for a common word.

Ranking is the cost that grows with the number of matches: BM25 over the 90,000 of 100,000
texts holding a common word took 90-130 ms on SQLite, whatever the LIMIT, since every match
must be scored before the best 20 are known. So a search ranks at most the ``RANK_WINDOW``
most recently indexed matches. A query matching fewer texts than the window (nearly every
query with a specific word) is ranked exactly; one matching more ranks the newest of its
matches, which for a word in tens of thousands of texts is the more useful order anyway. The
window is found each engine's cheapest way:

- SQLite: the window's lowest id is read from FTS5's index, which walks a term's matches in
  id order without scoring them; the filters are applied while ranking, and the window widens
  eightfold while they leave fewer hits than asked for.
- PostgreSQL: one query takes the newest ``RANK_WINDOW`` matches *within the filters* and
  ranks those, so no widening is needed. The planner chooses from its statistics of every
  word between walking the primary key backwards until the window is full (a common word)
  and the GIN index's matches sorted by id (a rarer word, or strict filters). A separate
  query for the window's bound (as on SQLite) cost twice as much there: PostgreSQL checks
  the query against each row it walks, and the ranking walked the same rows again.

Measured in benchmarks/research.py and docs/research.md.

Filters (kinds, a date range, a tag of feedback's taxonomy with its descendants) are the same
SQL on both. Rejected: ``icontains`` scans (no ranking, and 40x slower at 100,000 documents,
see benchmarks/research.py) and a search server (one more service to run, against the brief).
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, connections, transaction
from django.db.models import Max, Min, Q
from django.db.models.signals import post_migrate
from django.urls import reverse
from django.utils import timezone

from greenroom.accounts.models import Workspace
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.lib.text.normalise import analysis_text
from greenroom.research.choices import DocumentKind
from greenroom.research.models import Document, Insight, Note

TABLE = Document._meta.db_table
FTS = f"{TABLE}_fts"
# A search index entry keeps at most this much of a text: PostgreSQL refuses tsvectors over
# 1 MB, and nobody searches for the end of a 100-page transcript by its last words.
MAX_BODY = 100_000
SNIPPET = 160
# The most matches one search ranks before widening (see the module's docstring): ranking
# 5,000 BM25 scores costs about a tenth of ranking 90,000.
RANK_WINDOW = 5_000


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

    def bound(self, cursor, match: str, window: int) -> int | None:
        """The lowest id among the newest ``window`` matches; None when fewer match. FTS5
        walks a term's matches in rowid order without scoring them."""
        cursor.execute(
            f"SELECT rowid FROM {FTS} WHERE {FTS} MATCH %s ORDER BY rowid DESC LIMIT 1 OFFSET %s",
            [match, window - 1],
        )
        row = cursor.fetchone()
        return row[0] if row else None

    def sql(self, where: str) -> str:
        # The id bound is put on the FTS table's rowid so FTS5 itself starts there.
        return (
            f"SELECT d.id, bm25({FTS}, 3.0, 1.0) AS score FROM {FTS} JOIN {TABLE} d "
            f"ON d.id = {FTS}.rowid WHERE {FTS} MATCH %s AND {FTS}.rowid >= %s AND {where} "
            "ORDER BY score, d.id LIMIT %s"
        )

    def ranked(
        self, cursor, match: str, where: str, params: list, limit: int
    ) -> list[tuple[int, float]]:
        """The best ``limit`` (id, score) within the filters among the newest ``RANK_WINDOW``
        matches, the window widened eightfold while the filters leave fewer hits than that."""
        window = RANK_WINDOW
        while True:
            bound = self.bound(cursor, match, window)
            cursor.execute(self.sql(where), [match, bound or 0, *params, limit])
            found = cursor.fetchall()
            if bound is None or len(found) >= limit:
                return found
            window *= 8


VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, body), 'B'))"
)
# The stored vector, a column Django does not know of: PostgreSQL fills it on every write.
COLUMN = "search_vector"
QUERY = "websearch_to_tsquery('english'::regconfig, %s)"
PENDING_KB = 256


class PostgresBackend:
    """PostgreSQL full-text search over a stored tsvector with a GIN index."""

    name = "PostgreSQL full-text"

    def ensure(self, cursor) -> None:
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS {COLUMN} tsvector "
            f"GENERATED ALWAYS AS {VECTOR} STORED"
        )
        # The first version indexed the expression itself, and ranked by recomputing it.
        cursor.execute(f"DROP INDEX IF EXISTS {FTS}")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {TABLE}_vector ON {TABLE} USING GIN ({COLUMN})")
        # New entries wait in the index's pending list, which every search reads in full, until
        # (auto)vacuum or the list's limit merges them in. At the default 4 MB (10,000 texts)
        # the planner gave up the index for a table scan: 'crashes' took 57 ms of CPU instead
        # of 16. 256 kB cost the ingest nothing measurable; no list at all (fastupdate off)
        # doubled the time to index 20,000 texts.
        cursor.execute(f"ALTER INDEX {TABLE}_vector SET (gin_pending_list_limit = {PENDING_KB})")

    def match(self, query: str) -> str:
        return query.strip()

    def sql(self, where: str) -> str:
        # The filters run inside the window, so one query finds enough hits; the planner picks
        # between walking the primary key backwards until the window is full (a common word)
        # and the GIN index's matches sorted by id (a rarer word, or strict filters), from the
        # tsvector statistics ANALYZE keeps of every word.
        return (
            f"SELECT w.id, ts_rank_cd(w.{COLUMN}, q) AS score FROM ("
            f"SELECT d.id, d.{COLUMN} FROM {TABLE} d WHERE d.{COLUMN} @@ {QUERY} AND {where} "
            f"ORDER BY d.id DESC LIMIT %s) w, {QUERY} q "
            "ORDER BY score DESC, w.id LIMIT %s"
        )

    def ranked(
        self, cursor, match: str, where: str, params: list, limit: int
    ) -> list[tuple[int, float]]:
        """The best ``limit`` (id, score) among the newest ``RANK_WINDOW`` matches within the
        filters, in one query."""
        cursor.execute(self.sql(where), [match, *params, RANK_WINDOW, match, limit])
        return cursor.fetchall()


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


def note_index(note: Note) -> None:
    """Add or replace a note's text in the index."""
    document_put(
        workspace=note.workspace,
        kind=DocumentKind.NOTE,
        object_id=note.pk,
        title=note.title,
        body=analysis_text(note.body, max_chars=MAX_BODY),
        dated=timezone.localdate(note.created_at),
    )


def insight_index(insight: Insight) -> None:
    """Add or replace an insight's statement and detail in the index."""
    document_put(
        workspace=insight.workspace,
        kind=DocumentKind.INSIGHT,
        object_id=insight.pk,
        title=insight.statement,
        body=insight.detail,
        dated=timezone.localdate(insight.created_at),
    )


def feedback_index(*, workspace: Workspace, first: int, last: int) -> int:
    """Index the workspace's feedback items with ids from ``first`` to ``last`` that are not
    indexed yet (feedback's text never changes once stored); how many were added. One
    INSERT ... SELECT inside the database: 20,000 items copied row by row through Python took
    seconds, this takes a fraction of one."""
    # Timestamps are stored in UTC on both engines; the day is the UTC day, as elsewhere.
    day = "date(f.received_at)" if connection.vendor == "sqlite" else "CAST(f.received_at AS date)"
    sql = (
        f"INSERT INTO {TABLE} (workspace_id, kind, object_id, title, body, dated) "
        f"SELECT f.workspace_id, %s, f.id, substr(f.title, 1, 300), substr(f.text, 1, %s), {day} "
        f"FROM {FeedbackItem._meta.db_table} f "
        "WHERE f.workspace_id = %s AND f.id BETWEEN %s AND %s ORDER BY f.id "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [DocumentKind.FEEDBACK.value, MAX_BODY, workspace.pk, first, last])
        return max(cursor.rowcount, 0)


@transaction.atomic
def reindex(*, workspace: Workspace) -> int:
    """Build the workspace's index again from its feedback, notes and insights (after a
    restore, or a change to what is indexed); how many texts it holds."""
    Document.objects.for_workspace(workspace).delete()
    ids = FeedbackItem.objects.for_workspace(workspace).aggregate(first=Min("pk"), last=Max("pk"))
    if ids["first"] is not None:
        feedback_index(workspace=workspace, first=ids["first"], last=ids["last"])
    for note in Note.objects.for_workspace(workspace).order_by("pk"):
        note_index(note)
    for insight in Insight.objects.for_workspace(workspace).order_by("pk"):
        insight_index(insight)
    return Document.objects.for_workspace(workspace).count()


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
) -> Page:
    """The texts matching ``query``, best first, within the filters."""
    engine = backend_for(connection.vendor)
    page = Page(backend=engine.name)
    match = engine.match(query)
    if not match:
        return page
    where, params = _where(workspace, list(kinds), since, until, tag)
    with connection.cursor() as cursor:
        ranked = engine.ranked(cursor, match, where, params, limit)
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
