"""Feedback from the real exports of support and sales tools, read into records for
``services.feedback_ingest`` (all or nothing, idempotent by source and source id).

Each export's columns are defined once in ``lib/imports/formats.py`` (FEEDBACK_FORMATS); a
file whose columns differ (a spreadsheet of app reviews with a ``review`` column) is read
through a mapping field → column given with the upload. Zendesk's tickets API answer
(``{"tickets": [...]}``, with ``users`` and ``organizations`` side-loaded) is read as JSON.
Files over 1 MB are imported by a job (``tasks.import_file``).
"""

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.feedback import services
from greenroom.feedback.choices import ImportStatus, SourceKind
from greenroom.feedback.models import FeedbackImport
from greenroom.jobs.registry import enqueue
from greenroom.lib.imports.columns import column_match
from greenroom.lib.imports.formats import FEEDBACK_FORMATS, ExportFormat
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.lib.imports.tables import Table, table_open
from greenroom.lib.imports.values import BadValue, as_datetime

INLINE_MAX = 1_000_000  # bytes; larger files are imported by a job
FIELDS = (
    "id",
    "created",
    "subject",
    "text",
    "email",
    "name",
    "contact_ref",
    "account_ref",
    "account_name",
    "tags",
    "url",
    "rating",
)
_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M:%S %Z",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%b %d, %Y",
    "%d %b %Y",
)


def parse_when(value: str) -> datetime:
    """A date and time as the tools write them: ISO 8601, ``2024-01-05 10:22:01 +0000``
    (Zendesk), ``1/15/2024 9:30 AM`` (Salesforce US reports: month first), ``Jan 5, 2024``,
    or seconds/milliseconds since 1970 (Play Console, Intercom's API)."""
    text = value.strip()
    if text.isdigit() and len(text) in (10, 13):
        seconds = int(text) / (1000 if len(text) == 13 else 1)
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        return as_datetime(text)
    except BadValue:
        pass
    for fmt in _FORMATS:
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise BadValue(f"'{value}' is not a date (use ISO 8601, e.g. 2024-01-05 10:22)")


def mapping_guess(fmt: ExportFormat, headers: list[str]) -> dict[str, str]:
    """Field → column for the columns the export's known names find in ``headers``."""
    found = {name: column_match(headers, fmt.aliases(name)) for name in FIELDS}
    return {name: column for name, column in found.items() if column}


def records_from_table(
    *, table: Table, source_kind: str, mapping: dict[str, str] | None, report: ImportReport
) -> list[dict]:
    """One record per row of a CSV/XLSX export; problems (a bad date) go in ``report``."""
    fmt = FEEDBACK_FORMATS.get(source_kind)
    mapping = {k: v for k, v in (mapping or {}).items() if v} or (
        mapping_guess(fmt, table.headers) if fmt else {}
    )
    for name, column in mapping.items():
        if name not in FIELDS:
            report.problem(1, column, f"'{name}' is not a feedback field ({', '.join(FIELDS)})")
        elif column not in table.headers:
            report.problem(1, column, "no such column in the file")
    if "text" not in mapping and "subject" not in mapping:
        report.problem(1, "(file)", "no column holds the feedback's text; map one to 'text'")
    if report.rejected:
        raise ImportRejected(report)
    if "created" not in mapping:
        report.skip(None, "no column holds the date: every item is dated the day of import")
    now = timezone.now()
    records = []
    used = set(mapping.values())
    for line, values in table.rows:
        record = _record(line, values, mapping, source_kind, report, now)
        record["extra"] = {c: v for c, v in values.items() if c not in used and v}
        records.append(record)
    for line, message in table.problems:
        report.problem(line, "(row)", message)
    return records


def _record(line, values, mapping, source_kind, report, now) -> dict:
    def get(name: str) -> str:
        return values.get(mapping.get(name, ""), "").strip() if name in mapping else ""

    received = now
    if get("created"):
        try:
            received = parse_when(get("created"))
        except BadValue as error:
            report.problem(line, mapping["created"], str(error))
    rating = None
    if get("rating"):
        try:
            rating = int(float(get("rating")))
        except ValueError:
            report.problem(line, mapping["rating"], f"'{get('rating')}' is not a star rating")
    text = values.get(mapping.get("text", ""), "") if "text" in mapping else ""
    subject = get("subject")
    source_id = get("id") or _content_id(source_kind, get("name"), get("created"), text)
    return {
        "_row": line,
        "source_kind": source_kind,
        "source_id": source_id,
        "received_at": received,
        "title": subject,
        "text": text or subject,
        "author_email": get("email"),
        "author_name": get("name"),
        "customer_ref": get("contact_ref") or get("account_ref"),
        "source_tags": get("tags"),
        "source_url": get("url") if get("url").startswith(("http://", "https://")) else "",
        "rating": rating,
    }


def _content_id(*parts: str) -> str:
    # Exports without an id (a spreadsheet of reviews): the same row imported twice is the
    # same item, so the id is a digest of what the row says.
    return "sha1:" + hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def records_from_zendesk_json(*, data: dict, report: ImportReport) -> list[dict]:
    """Records from the Zendesk tickets API answer, side-loads used for emails and
    organisations (``?include=users,organizations``)."""
    tickets = data.get("tickets")
    if not isinstance(tickets, list):
        report.problem(None, "tickets", "the document has no 'tickets' list")
        raise ImportRejected(report)
    users = {u.get("id"): u for u in data.get("users") or [] if isinstance(u, dict)}
    orgs = {o.get("id"): o for o in data.get("organizations") or [] if isinstance(o, dict)}
    records = []
    for index, ticket in enumerate(tickets):
        place = f"tickets[{index}]"
        if not isinstance(ticket, dict):
            report.problem(place, "", "is not a ticket object")
            continue
        user = users.get(ticket.get("requester_id")) or {}
        org = orgs.get(ticket.get("organization_id")) or {}
        received = None
        try:
            received = parse_when(str(ticket.get("created_at") or ""))
        except BadValue as error:
            report.problem(place, "created_at", str(error))
        via = (
            (ticket.get("via") or {}).get("channel", "")
            if isinstance(ticket.get("via"), dict)
            else ""
        )
        records.append(
            {
                "_row": place,
                "source_kind": SourceKind.ZENDESK,
                "source_id": str(ticket.get("id") or ""),
                "received_at": received,
                "title": str(ticket.get("subject") or ticket.get("raw_subject") or ""),
                "text": str(ticket.get("description") or ticket.get("subject") or ""),
                "author_email": str(user.get("email") or ""),
                "author_name": str(user.get("name") or ""),
                "customer_ref": str(user.get("external_id") or org.get("external_id") or ""),
                "source_tags": ", ".join(str(t) for t in ticket.get("tags") or []),
                "source_url": "",
                "extra": {
                    "status": ticket.get("status"),
                    "via": via,
                    "organization": org.get("name"),
                },
            }
        )
    return records


def feedback_import(
    *,
    actor: User | None,
    workspace: Workspace,
    source_kind: str,
    name: str,
    stream,
    mapping: dict[str, str] | None = None,
    run: FeedbackImport | None = None,
) -> services.Ingested:
    """Read and save one export (CSV, XLSX or Zendesk JSON); raises ImportRejected with
    every problem, nothing saved."""
    if source_kind not in SourceKind.values:
        raise ValidationError({"source_kind": f"Unknown source {source_kind!r}."})
    report = ImportReport(file=name, kind="feedback")
    if name.lower().endswith(".json"):
        try:
            data = json.load(stream)
        except (ValueError, UnicodeDecodeError) as error:
            raise ValidationError(f"{name}: not a readable JSON document ({error}).") from None
        if not isinstance(data, dict):
            raise ValidationError(f"{name}: expected an object with a 'tickets' list.")
        records = records_from_zendesk_json(data=data, report=report)
    else:
        table = table_open(name=name, stream=stream)
        records = records_from_table(
            table=table, source_kind=source_kind, mapping=mapping, report=report
        )
    if report.rejected:
        raise ImportRejected(report)
    ingested = services.feedback_ingest(
        actor=actor, workspace=workspace, records=records, source=name, import_run=run
    )
    ingested.report.skipped.extend(report.skipped)
    return ingested


def import_upload(
    *,
    actor: User,
    workspace: Workspace,
    source_kind: str,
    upload: File,
    mapping: dict[str, str] | None = None,
) -> FeedbackImport:
    """Keep an uploaded export and import it: at once when small (the run holds the report,
    ImportRejected raised), by a job when over 1 MB."""
    name = Path(upload.name or "upload").name
    folder = Path(settings.MEDIA_ROOT) / "feedback-imports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(name).suffix.lower()[:6]}"
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    run = FeedbackImport.objects.create(
        workspace=workspace,
        source_kind=source_kind,
        filename=name,
        stored_path=str(path),
        size=path.stat().st_size,
        mapping=mapping or {},
        created_by=actor,
    )
    if run.size > INLINE_MAX:
        from greenroom.feedback.tasks import import_file

        enqueue(import_file, workspace_id=workspace.pk, run_id=run.pk)
        return run
    import_run_execute(run=run)
    run.refresh_from_db()
    if run.status == ImportStatus.FAILED:
        raise ValidationError(run.report.get("lines") or [run.report.get("summary", "")])
    return run


def import_run_execute(*, run: FeedbackImport) -> None:
    """Import a kept file and record the outcome on its run (the job's work)."""
    FeedbackImport.objects.filter(pk=run.pk).update(status=ImportStatus.RUNNING)
    try:
        with open(run.stored_path, "rb") as stream:
            ingested = feedback_import(
                actor=run.created_by,
                workspace=run.workspace,
                source_kind=run.source_kind,
                name=run.filename,
                stream=stream,
                mapping=run.mapping,
                run=run,
            )
        status, report = ImportStatus.DONE, ingested.report.as_dict()
    except ImportRejected as rejected:
        status, report = ImportStatus.FAILED, rejected.report.as_dict()
        report["lines"] = rejected.messages[:50]
    except ValidationError as error:
        status, report = (
            ImportStatus.FAILED,
            {"summary": " ".join(error.messages), "lines": error.messages},
        )
    finally:
        Path(run.stored_path).unlink(missing_ok=True)
    FeedbackImport.objects.filter(pk=run.pk).update(
        status=status, report=report, finished_at=timezone.now()
    )
