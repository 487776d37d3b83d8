"""Writes to the organisation: one row at a time from forms and the API, or a whole
organisation document at once from an import (the sandbox generator uses the same path)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.organisation.kinds import IMPORT_ORDER, KINDS_BY_SLUG, Kind


@transaction.atomic
def entity_save(
    *,
    actor: User | None,
    workspace: Workspace,
    kind: Kind,
    data: dict[str, Any],
    instance: models.Model | None = None,
) -> models.Model:
    """Create or update one row; related rows must belong to the same workspace."""
    row = instance if instance is not None else kind.model(workspace=workspace)
    unknown = set(data) - set(kind.fields)
    if unknown:
        raise ValidationError({name: "Not a field of this kind." for name in sorted(unknown)})
    for name, value in data.items():
        _check_same_workspace(workspace, name, value)
        setattr(row, name, _not_null(kind, name, value))
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        workspace=workspace,
        action=f"{kind.model._meta.model_name}.{'update' if instance else 'create'}",
        target=row,
    )
    return row


def references_by_id(*, workspace: Workspace, kind: Kind, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with related rows given by id (as the API sends them) replaced by the rows,
    which must exist in the workspace."""
    resolved = dict(data)
    for name, target in kind.references.items():
        value = resolved.get(name)
        if value is None:
            continue
        found = target.objects.filter(workspace=workspace, pk=value).first()
        if found is None:
            label = target._meta.verbose_name
            raise ValidationError({name: f"No {label} with id {value} in this workspace."})
        resolved[name] = found
    return resolved


def _not_null(kind: Kind, name: str, value: Any) -> Any:
    # full_clean() lets None through for blank fields, and the database then refuses it.
    field = kind.model._meta.get_field(name)
    if value is not None or field.null:
        return value
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValidationError({name: "May not be empty."})


def _check_same_workspace(workspace: Workspace, name: str, value: Any) -> None:
    if isinstance(value, models.Model) and getattr(value, "workspace_id", None) != workspace.pk:
        raise ValidationError({name: "Refers to something outside this workspace."})


@transaction.atomic
def entity_delete(*, actor: User, workspace: Workspace, kind: Kind, instance: models.Model) -> None:
    """Delete one row, refusing when other rows still depend on it."""
    label = str(instance)
    try:
        instance.delete()
    except ProtectedError as error:
        blockers = sorted({str(obj) for obj in error.protected_objects})[:5]
        raise ValidationError(
            f"{label} is still used by {', '.join(blockers)}; move or delete those first."
        ) from None
    audit_record(
        actor=actor,
        workspace=workspace,
        action=f"{kind.model._meta.model_name}.delete",
        detail={"name": label},
    )


class ImportReport:
    """What an organisation import did, kind by kind."""

    def __init__(self) -> None:
        self.created: dict[str, int] = {}
        self.updated: dict[str, int] = {}
        self.unchanged: dict[str, int] = {}

    def count(self, bucket: dict[str, int], slug: str) -> None:
        bucket[slug] = bucket.get(slug, 0) + 1

    def summary(self) -> str:
        parts = []
        for slug in IMPORT_ORDER:
            total = sum(b.get(slug, 0) for b in (self.created, self.updated, self.unchanged))
            if total:
                parts.append(
                    f"{slug}: {self.created.get(slug, 0)} new, {self.updated.get(slug, 0)} "
                    f"updated, {self.unchanged.get(slug, 0)} unchanged"
                )
        return "; ".join(parts) or "nothing to import"


@transaction.atomic
def organisation_import(
    *,
    actor: User | None,
    workspace: Workspace,
    document: dict[str, Any],
    source: str = "document",
    dry_run: bool = False,
) -> ImportReport:
    """Create or update the organisation from a document keyed by kind (see
    docs/import-formats.md). All or nothing: any error aborts the whole import and every
    problem is reported with its place (``products[3].product_line``). Re-importing the same
    document changes nothing."""
    unknown = sorted(set(document) - set(IMPORT_ORDER) - {"format"})
    errors: list[str] = [f"{source}: unknown section '{name}'" for name in unknown]
    report = ImportReport()
    for slug in IMPORT_ORDER:
        rows = document.get(slug, [])
        if not isinstance(rows, list):
            errors.append(f"{source}: '{slug}' must be a list")
            continue
        for index, raw in enumerate(rows):
            place = f"{source}: {slug}[{index}]"
            try:
                _import_row(workspace, KINDS_BY_SLUG[slug], raw, report)
            except ValidationError as error:
                errors.extend(_describe(place, error))
    if errors:
        transaction.set_rollback(True)
        raise ValidationError(errors)
    if dry_run:
        transaction.set_rollback(True)
        return report
    audit_record(
        actor=actor,
        workspace=workspace,
        action="organisation.import",
        detail={"source": source, "summary": report.summary()},
    )
    return report


def _describe(place: str, error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{place}.{field}: {message}"
            for field, messages in error.message_dict.items()
            for message in messages
        ]
    return [f"{place}: {message}" for message in error.messages]


def _import_row(workspace: Workspace, kind: Kind, raw: Any, report: ImportReport) -> None:
    if not isinstance(raw, dict):
        raise ValidationError("must be an object with at least a 'name'")
    values = _resolve(workspace, kind, raw)
    lookup = {name: values.get(name) for name in kind.identity}
    existing = kind.model.objects.filter(workspace=workspace, **lookup).first()
    if existing is None:
        row = kind.model(workspace=workspace, **values)
        row.full_clean()
        row.save()
        report.count(report.created, kind.slug)
        return
    changed = {k: v for k, v in values.items() if getattr(existing, k) != v}
    if not changed:
        report.count(report.unchanged, kind.slug)
        return
    for name, value in changed.items():
        setattr(existing, name, value)
    existing.full_clean()
    existing.save()
    report.count(report.updated, kind.slug)


def _resolve(workspace: Workspace, kind: Kind, raw: dict[str, Any]) -> dict[str, Any]:
    """Field values of one import row, with references looked up by name."""
    unknown = sorted(set(raw) - set(kind.fields))
    if unknown:
        raise ValidationError({name: "unknown field" for name in unknown})
    if not str(raw.get("name", "")).strip():
        raise ValidationError({"name": "is required"})
    values: dict[str, Any] = {}
    for name, value in raw.items():
        target = kind.references.get(name)
        if target is None:
            values[name] = kind.model._meta.get_field(name).to_python(value)
            continue
        if value in (None, ""):
            values[name] = None
            continue
        found = target.objects.filter(workspace=workspace, name=value).first()
        if found is None:
            label = target._meta.verbose_name
            raise ValidationError({name: f"no {label} named '{value}'"})
        values[name] = found
    return values
