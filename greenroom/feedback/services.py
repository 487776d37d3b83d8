"""Writes to feedback: intake (single, bulk and imports, all through ``feedback_ingest``),
triage, duplicates, highlights, opportunities, the taxonomy, the prioritisation weights and
closing the loop. Every write takes the acting user, runs in a transaction and is audited."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.customers import services as customer_services
from greenroom.customers.choices import OutreachKind, OutreachOutcome
from greenroom.customers.models import Account, Contact
from greenroom.feedback.choices import (
    AuditAction,
    Importance,
    MatchMethod,
    OpportunityStatus,
    SourceKind,
    Status,
)
from greenroom.feedback.matching import Matcher
from greenroom.feedback.models import (
    FeedbackImport,
    FeedbackItem,
    Highlight,
    LoopClosure,
    Opportunity,
    PriorityWeights,
    Tag,
)
from greenroom.feedback.signals import feedback_imported
from greenroom.lib.imports.bulk import insert_many
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.organisation.models import ProductArea, Segment

# Longer texts are refused with a clear message rather than cut: nothing accepted is lost.
MAX_TEXT = 100_000
BATCH = 2000
SOURCE_KINDS = frozenset(SourceKind.values)
TEXT_FIELDS = {
    "title": 300,
    "author_name": 200,
    "author_email": 254,
    "customer_ref": 128,
    "source_tags": 500,
    "source_url": 500,
}


@dataclass
class Ingested:
    """What one ingest did: the report, and each record's item id and whether it is new."""

    report: ImportReport
    items: list[tuple[int, bool]] = field(default_factory=list)


def _clean(record: dict, place: int | str, report: ImportReport) -> dict | None:
    """The record ready to save, or None with its problems in ``report``."""
    ok = True
    clean = dict(record)
    if clean.get("source_kind") not in SOURCE_KINDS:
        report.problem(place, "source_kind", f"'{clean.get('source_kind')}' is not a source")
        ok = False
    source_id = str(clean.get("source_id") or "").strip()
    if not source_id:
        report.problem(place, "source_id", "is required (the item's id in its source)")
        ok = False
    elif len(source_id) > 255:
        report.problem(place, "source_id", "longer than 255 characters")
        ok = False
    clean["source_id"] = source_id
    text = clean.get("text") or ""
    if not text.strip():
        report.problem(place, "text", "is empty: there is no feedback to keep")
        ok = False
    elif len(text) > MAX_TEXT:
        report.problem(place, "text", f"{len(text):,} characters; the limit is {MAX_TEXT:,}")
        ok = False
    rating = clean.get("rating")
    if rating is not None and not (isinstance(rating, int) and 0 <= rating <= 10):
        report.problem(place, "rating", f"'{rating}' is not a rating from 0 to 10")
        ok = False
    if not isinstance(clean.get("received_at"), datetime):
        report.problem(place, "received_at", "is required (when the customer said it)")
        ok = False
    for name, limit in TEXT_FIELDS.items():
        value = str(clean.get(name) or "")
        # A title is a label: cut to fit. The other fields are refused when too long.
        if name == "title" and len(value) > limit:
            value = value[: limit - 1] + "…"
        elif len(value) > limit:
            report.problem(place, name, f"longer than {limit} characters")
            ok = False
        clean[name] = value
    # PostgreSQL cannot store NUL characters; they carry nothing a person wrote.
    for name in ("text", "title", "author_name"):
        if "\x00" in clean.get(name, ""):
            clean[name] = clean[name].replace("\x00", "\ufffd")
    return clean if ok else None


def _taxonomy_index(workspace: Workspace) -> dict[str, int]:
    index: dict[str, int] = {}
    for pk, name, synonyms in Tag.objects.for_workspace(workspace).values_list(
        "pk", "name", "synonyms"
    ):
        for word in [name, *(synonyms or [])]:
            index.setdefault(word.strip().lower(), pk)
    return index


def _source_tag_ids(text: str, index: dict[str, int]) -> set[int]:
    words = [w.strip().lower() for w in text.replace(";", ",").split(",")]
    return {index[w] for w in words if w in index}


def feedback_ingest(
    *,
    actor: User | None,
    workspace: Workspace,
    records: list[dict],
    source: str,
    import_run: FeedbackImport | None = None,
) -> Ingested:
    """Save ``records`` as feedback items, all or none: an item whose source and source id
    are already here is left as it is (idempotent), every other one is matched to its
    customer and created. Raises ImportRejected naming every bad record."""
    report = ImportReport(file=source, kind="feedback")
    cleaned: list[tuple[int, dict]] = []
    for index, record in enumerate(records):
        place = record.get("_row", index)
        clean = _clean(record, place, report)
        if clean is not None:
            cleaned.append((index, clean))
    if report.rejected:
        raise ImportRejected(report)
    ingested = Ingested(report)
    with transaction.atomic():
        ids = _save(actor, workspace, cleaned, report, import_run)
        ingested.items = [ids[i] for i in range(len(records))]
        if report.created:
            created = sorted(pk for pk, new in ids.values() if new)
            feedback_imported.send(sender=FeedbackItem, workspace=workspace, item_ids=created)
            audit_record(
                actor=actor,
                workspace=workspace,
                action=AuditAction.FEEDBACK_IMPORT,
                target=import_run,
                detail={"source": source, "created": report.created, "unchanged": report.unchanged},
            )
    return ingested


def _existing(workspace: Workspace, cleaned: list[tuple[int, dict]]) -> dict[tuple, int]:
    by_kind: dict[str, set[str]] = {}
    for _, record in cleaned:
        by_kind.setdefault(record["source_kind"], set()).add(record["source_id"])
    found: dict[tuple, int] = {}
    items = FeedbackItem.objects.for_workspace(workspace)
    for kind, source_ids in by_kind.items():
        rows = items.filter(source_kind=kind)
        # A long IN list costs more to build than reading the kind's ids (a few strings
        # each): large batches read them all and keep those asked for.
        if len(source_ids) <= BATCH:
            rows = rows.filter(source_id__in=list(source_ids))
        for pk, source_id in rows.values_list("pk", "source_id"):
            if source_id in source_ids:
                found[(kind, source_id)] = pk
    return found


def _save(actor, workspace, cleaned, report, import_run) -> dict[int, tuple[int, bool]]:
    existing = _existing(workspace, cleaned)
    result: dict[int, tuple[int, bool]] = {}
    new: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for index, record in cleaned:
        key = (record["source_kind"], record["source_id"])
        if key in existing:
            result[index] = (existing[key], False)
            report.count("unchanged")
        elif key in seen:
            report.skip(record.get("_row", index), f"the same item as {seen[key]} above")
        else:
            seen[key] = record.get("_row", index)
            new.append((index, record))
    taxonomy = _taxonomy_index(workspace) if any(r["source_tags"] for _, r in new) else {}
    for start in range(0, len(new), BATCH):
        chunk = new[start : start + BATCH]
        matcher = Matcher(workspace, [record for _, record in chunk])
        # One prepared INSERT run with executemany (lib/imports/bulk.py): several times
        # faster than bulk_create on PostgreSQL; the new ids are then read back by source id.
        after = FeedbackItem.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        insert_many(
            FeedbackItem, [_row(workspace, actor, r, matcher, import_run) for _, r in chunk]
        )
        ids = _ids(workspace, after)
        links = []
        for index, record in chunk:
            pk = ids[(record["source_kind"], record["source_id"])]
            result[index] = (pk, True)
            for tag_id in _source_tag_ids(record["source_tags"], taxonomy):
                links.append(FeedbackItem.tags.through(feedbackitem_id=pk, tag_id=tag_id))
        FeedbackItem.tags.through.objects.bulk_create(links, batch_size=1000)
        report.count("created", len(chunk))
    # Duplicates within the request point at the item their first occurrence became.
    for index, record in cleaned:
        if index not in result:
            first = next(
                i
                for i, r in cleaned
                if (r["source_kind"], r["source_id"])
                == (record["source_kind"], record["source_id"])
                and i in result
            )
            result[index] = (result[first][0], False)
    return result


def _ids(workspace: Workspace, after: int) -> dict[tuple[str, str], int]:
    """The ids of the workspace's items inserted after the row ``after``, by source."""
    rows = FeedbackItem.objects.for_workspace(workspace).filter(pk__gt=after)
    return {(kind, sid): pk for kind, sid, pk in rows.values_list("source_kind", "source_id", "pk")}


def _row(workspace, actor, record: dict, matcher: Matcher, import_run) -> dict:
    contact_id, account_id, method = matcher.match(record)
    submitted_by = record.get("submitted_by") or (actor if record.get("by_actor") else None)
    return {
        "workspace_id": workspace.pk,
        "source_kind": record["source_kind"],
        "source_id": record["source_id"],
        "source_url": record["source_url"],
        "received_at": record["received_at"],
        "title": record["title"],
        "text": record["text"],
        "submitted_by_id": submitted_by.pk if submitted_by else None,
        "author_name": record["author_name"],
        "author_email": record["author_email"],
        "customer_ref": record["customer_ref"],
        "contact_id": contact_id,
        "account_id": account_id,
        "match_method": method,
        "product_area_id": record.get("product_area_id"),
        "source_tags": record["source_tags"],
        "rating": record.get("rating"),
        "extra": record.get("extra") or {},
        "import_run_id": import_run.pk if import_run else None,
    }


def feedback_create(
    *,
    actor: User,
    workspace: Workspace,
    text: str,
    title: str = "",
    account: Account | None = None,
    contact: Contact | None = None,
    product_area: ProductArea | None = None,
    received_at: datetime | None = None,
    source_kind: str = SourceKind.FORM,
    source_id: str = "",
    author_name: str = "",
    author_email: str = "",
) -> FeedbackItem:
    """Log one piece of feedback (the form, or the API's single create)."""
    if contact is not None and account is None:
        account = contact.account
    if contact is not None and account is not None and contact.account_id != account.pk:
        raise ValidationError({"contact": "This contact is not at the chosen account."})
    record = {
        "source_kind": source_kind,
        "source_id": source_id or uuid.uuid4().hex,
        "received_at": received_at or timezone.now(),
        "title": title,
        "text": text,
        "author_name": author_name or (str(contact) if contact else ""),
        "author_email": author_email or (contact.email if contact else ""),
        "account_id": account.pk if account else None,
        "contact_id": contact.pk if contact else None,
        "product_area_id": product_area.pk if product_area else None,
        "by_actor": True,
    }
    try:
        ingested = feedback_ingest(
            actor=actor, workspace=workspace, records=[record], source="form"
        )
    except ImportRejected as rejected:
        raise ValidationError(
            [p.message and f"{p.field}: {p.message}" for p in rejected.report.problems]
        ) from None
    return FeedbackItem.objects.for_workspace(workspace).get(pk=ingested.items[0][0])


# Triage ------------------------------------------------------------------------------------

BULK_ACTIONS = ("tag", "set_area", "triage", "archive", "reopen")


@transaction.atomic
def items_bulk_update(
    *,
    actor: User,
    workspace: Workspace,
    ids: list[int],
    action: str,
    tag: Tag | None = None,
    product_area: ProductArea | None = None,
) -> int:
    """Apply one triage action to the workspace's items among ``ids``; how many it touched."""
    items = FeedbackItem.objects.for_workspace(workspace).filter(pk__in=ids)
    now = timezone.now()
    if action == "tag":
        if tag is None or tag.workspace_id != workspace.pk:
            raise ValidationError({"tag": "Choose a tag."})
        pks = list(items.values_list("pk", flat=True))
        through = FeedbackItem.tags.through
        have = set(
            through.objects.filter(tag=tag, feedbackitem_id__in=pks).values_list(
                "feedbackitem_id", flat=True
            )
        )
        through.objects.bulk_create(
            [through(feedbackitem_id=pk, tag_id=tag.pk) for pk in pks if pk not in have]
        )
        count = len(pks)
    elif action == "set_area":
        if product_area is not None and product_area.workspace_id != workspace.pk:
            raise ValidationError({"product_area": "Unknown product area."})
        count = items.update(product_area=product_area)
    elif action == "triage":
        count = items.filter(status=Status.NEW).update(
            status=Status.TRIAGED, triaged_at=now, triaged_by=actor
        )
    elif action == "archive":
        count = items.exclude(status=Status.ARCHIVED).update(
            status=Status.ARCHIVED, triaged_at=now, triaged_by=actor
        )
    elif action == "reopen":
        count = items.update(status=Status.NEW, duplicate_of=None)
    else:
        raise ValidationError({"action": f"Unknown action {action!r}."})
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.FEEDBACK_TRIAGE,
        detail={"action": action, "items": sorted(ids)[:500], "count": count},
    )
    return count


@transaction.atomic
def item_set_customer(
    *, actor: User, item: FeedbackItem, account: Account | None, contact: Contact | None = None
) -> FeedbackItem:
    """Tie an item to an account (and contact) by hand, or untie it."""
    if contact is not None:
        account = contact.account
    item.account, item.contact = account, contact
    item.match_method = MatchMethod.CHOSEN if account else MatchMethod.UNMATCHED
    item.save(update_fields=["account", "contact", "match_method"])
    audit_record(
        actor=actor,
        workspace=item.workspace,
        action=AuditAction.FEEDBACK_CHANGE,
        target=item,
        detail={"account": account.pk if account else None},
    )
    return item


@transaction.atomic
def item_mark_duplicate(*, actor: User, item: FeedbackItem, of: FeedbackItem) -> FeedbackItem:
    """Merge ``item`` into ``of``: its highlights and tags move over, it is kept as a
    duplicate (never deleted) and leaves the demand counts."""
    if item.pk == of.pk or of.workspace_id != item.workspace_id:
        raise ValidationError("Choose another item of this workspace.")
    if of.status == Status.DUPLICATE and of.duplicate_of_id:
        of = of.duplicate_of  # type: ignore[assignment]
    if of.pk == item.pk:
        raise ValidationError("That item is already a duplicate of this one.")
    Highlight.objects.filter(item=item).update(item=of, start=0, end=max(len(of.text), 1))
    of.tags.add(*item.tags.all())
    if of.account_id is None and item.account_id is not None:
        of.account_id, of.contact_id, of.match_method = (
            item.account_id,
            item.contact_id,
            item.match_method,
        )
        of.save(update_fields=["account", "contact", "match_method"])
    FeedbackItem.objects.filter(duplicate_of=item).update(duplicate_of=of)
    item.status, item.duplicate_of = Status.DUPLICATE, of
    item.triaged_at, item.triaged_by = timezone.now(), actor
    item.save(update_fields=["status", "duplicate_of", "triaged_at", "triaged_by"])
    audit_record(
        actor=actor,
        workspace=item.workspace,
        action=AuditAction.FEEDBACK_MERGE,
        target=item,
        detail={"into": of.pk},
    )
    return item


# Highlights and opportunities --------------------------------------------------------------


@transaction.atomic
def highlight_create(
    *,
    actor: User,
    item: FeedbackItem,
    opportunity: Opportunity,
    start: int,
    end: int,
    importance: int = Importance.IMPORTANT,
) -> Highlight:
    """Link a passage of ``item`` (``text[start:end]``) to ``opportunity``; the item counts
    as triaged from then on."""
    if opportunity.workspace_id != item.workspace_id:
        raise ValidationError({"opportunity": "Unknown opportunity."})
    if not 0 <= start < end <= len(item.text):
        raise ValidationError(
            {"start": f"The passage must lie within the text (0 to {len(item.text)})."}
        )
    if importance not in Importance.values:
        raise ValidationError({"importance": "Choose nice to have, important or critical."})
    highlight = Highlight.objects.create(
        workspace_id=item.workspace_id,
        item=item,
        opportunity=opportunity,
        start=start,
        end=end,
        importance=importance,
        created_by=actor,
    )
    if item.status == Status.NEW:
        item.status, item.triaged_at, item.triaged_by = Status.TRIAGED, timezone.now(), actor
        item.save(update_fields=["status", "triaged_at", "triaged_by"])
    audit_record(
        actor=actor,
        workspace=item.workspace,
        action=AuditAction.HIGHLIGHT_CREATE,
        target=highlight,
        detail={"item": item.pk, "opportunity": opportunity.pk},
    )
    return highlight


@transaction.atomic
def highlight_delete(*, actor: User, highlight: Highlight) -> None:
    """Unlink a passage from its opportunity."""
    audit_record(
        actor=actor,
        workspace=highlight.workspace,
        action=AuditAction.HIGHLIGHT_DELETE,
        detail={"item": highlight.item_id, "opportunity": highlight.opportunity_id},
    )
    highlight.delete()


@transaction.atomic
def opportunity_create(
    *,
    actor: User,
    workspace: Workspace,
    title: str,
    description: str = "",
    product_area: ProductArea | None = None,
) -> Opportunity:
    """A new open opportunity."""
    if not title.strip():
        raise ValidationError({"title": "Give the opportunity a title."})
    opportunity = Opportunity.objects.create(
        workspace=workspace,
        title=title.strip(),
        description=description,
        product_area=product_area,
        created_by=actor,
    )
    audit_record(
        actor=actor, workspace=workspace, action=AuditAction.OPPORTUNITY_CREATE, target=opportunity
    )
    return opportunity


@transaction.atomic
def opportunity_update(*, actor: User, opportunity: Opportunity, **changes) -> Opportunity:
    """Change an opportunity's title, description, area or status (shipped is stamped)."""
    allowed = {"title", "description", "product_area", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    status = changes.get("status")
    if status is not None and status not in OpportunityStatus.values:
        raise ValidationError({"status": f"Unknown status {status!r}."})
    for name, value in changes.items():
        setattr(opportunity, name, value)
    if status == OpportunityStatus.SHIPPED and opportunity.shipped_at is None:
        opportunity.shipped_at = timezone.now()
    opportunity.save()
    audit_record(
        actor=actor,
        workspace=opportunity.workspace,
        action=AuditAction.OPPORTUNITY_CHANGE,
        target=opportunity,
        detail={k: str(v) for k, v in changes.items() if k != "description"},
    )
    return opportunity


# Taxonomy and weights ----------------------------------------------------------------------


def _synonyms(text: str | list[str]) -> list[str]:
    words = text if isinstance(text, list) else text.split(",")
    return sorted({w.strip() for w in words if w.strip()}, key=str.lower)


@transaction.atomic
def tag_save(
    *,
    actor: User,
    workspace: Workspace,
    name: str,
    parent: Tag | None = None,
    synonyms: str | list[str] = "",
    tag: Tag | None = None,
) -> Tag:
    """Create a tag of the taxonomy, or change ``tag``; a parent may not be its own
    descendant, and a synonym may not be another tag's name or synonym."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the tag a name."})
    tags = Tag.objects.for_workspace(workspace)
    if tags.filter(name__iexact=name).exclude(pk=getattr(tag, "pk", None)).exists():
        raise ValidationError({"name": f"There is already a tag {name!r}."})
    ancestor = parent
    while ancestor is not None:
        if tag is not None and ancestor.pk == tag.pk:
            raise ValidationError({"parent": "A tag cannot sit under itself."})
        ancestor = ancestor.parent
    words = _synonyms(synonyms)
    taken = _taxonomy_index(workspace)
    for word in words:
        owner = taken.get(word.lower())
        if owner is not None and owner != getattr(tag, "pk", None):
            raise ValidationError({"synonyms": f"'{word}' already names another tag."})
    created = tag is None
    tag = tag or Tag(workspace=workspace)
    tag.name, tag.parent, tag.synonyms = name, parent, words
    tag.save()
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.TAG_CREATE if created else AuditAction.TAG_CHANGE,
        target=tag,
        detail={"name": name},
    )
    return tag


def weights_get(*, workspace: Workspace) -> PriorityWeights:
    """The workspace's prioritisation weights (the defaults until product ops set them)."""
    weights = PriorityWeights.objects.for_workspace(workspace).first()
    return weights or PriorityWeights(workspace=workspace)


@transaction.atomic
def weights_set(
    *,
    actor: User,
    workspace: Workspace,
    arr: float,
    count: float,
    strategic: float,
    recency: float,
    recency_half_life_days: int,
    strategic_segments: list[Segment],
) -> PriorityWeights:
    """Set how opportunities are ranked; the weights need not add up to one."""
    values = {"arr": arr, "count": count, "strategic": strategic, "recency": recency}
    if any(v < 0 for v in values.values()) or not any(values.values()):
        raise ValidationError("Weights are zero or more, and at least one is above zero.")
    if recency_half_life_days < 1:
        raise ValidationError({"recency_half_life_days": "At least one day."})
    weights, _ = PriorityWeights.objects.update_or_create(
        workspace=workspace,
        defaults={**values, "recency_half_life_days": recency_half_life_days},
    )
    weights.strategic_segments.set(
        [s for s in strategic_segments if s.workspace_id == workspace.pk]
    )
    audit_record(
        actor=actor,
        workspace=workspace,
        action=AuditAction.WEIGHTS_CHANGE,
        detail={**values, "half_life": recency_half_life_days},
    )
    return weights


# Closing the loop --------------------------------------------------------------------------


@transaction.atomic
def opportunity_notify(
    *, actor: User, opportunity: Opportunity, contacts: list[Contact], message: str
) -> int:
    """Record that ``contacts`` (who asked, and may be contacted) were told the opportunity
    shipped: an outreach each, logged in the customer database; how many were recorded."""
    if opportunity.status != OpportunityStatus.SHIPPED:
        raise ValidationError("Only a shipped opportunity closes the loop.")
    if not message.strip():
        raise ValidationError({"message": "Write the message people are sent."})
    told = set(
        LoopClosure.objects.for_workspace(opportunity.workspace_id)
        .filter(opportunity=opportunity)
        .values_list("contact_id", flat=True)
    )
    now, count = timezone.now(), 0
    for contact in contacts:
        if contact.pk in told or contact.do_not_contact or contact.erased_at:
            continue
        outreach = customer_services.outreach_log(
            actor=actor,
            contact=contact,
            kind=OutreachKind.OTHER,
            outcome=OutreachOutcome.COMPLETED,
            at=now,
            study=f"Shipped: {opportunity.title}"[:200],
            reason=message.strip()[:500],
        )
        LoopClosure.objects.create(
            workspace_id=opportunity.workspace_id,
            opportunity=opportunity,
            contact=contact,
            outreach=outreach,
            at=now,
            by=actor,
        )
        count += 1
    audit_record(
        actor=actor,
        workspace=opportunity.workspace,
        action=AuditAction.OPPORTUNITY_NOTIFY,
        target=opportunity,
        detail={"told": count},
    )
    return count
