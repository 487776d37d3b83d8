"""Writes to the organisation: one row at a time from forms and the API, or a whole
organisation document at once from an import (the sandbox generator uses the same path)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ProtectedError

from greenroom.accounts.models import User, Workspace
from greenroom.accounts.services import audit_record
from greenroom.lib.imports.report import ImportRejected, ImportReport
from greenroom.organisation.choices import AuditAction
from greenroom.organisation.kinds import IMPORT_ORDER, KINDS, KINDS_BY_SLUG, Kind


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
        action=_audit_action(kind, "update" if instance else "create"),
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
        found = target.objects.for_workspace(workspace).filter(pk=value).first()
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
        action=_audit_action(kind, "delete"),
        detail={"name": label},
    )


KINDS_BY_MODEL = {kind.model: kind for kind in KINDS}


def _audit_action(kind: Kind, verb: str) -> AuditAction:
    # `product line` -> `product_line.create`: the enum holds every kind's verbs, so a new
    # kind without its members fails here at once rather than writing an unknown name.
    return AuditAction(f"{kind.singular.replace(' ', '_')}.{verb}")


# An organisation is hundreds of rows, a large one a few thousand. A longer document is
# refused rather than held in one transaction for seconds: split, it imports the same (each
# import is idempotent, and a later document can refer to rows an earlier one created).
MAX_IMPORT_ROWS = 20_000


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
    document changes nothing. Every row is checked first, outside any transaction; then all
    are saved in one short transaction, so other people's writes never wait for the checks."""
    plan = ImportPlan(workspace, source)
    plan.check(document)
    if plan.report.rejected:
        raise ImportRejected(plan.report)
    if not dry_run:
        plan.save(actor=actor)
    return plan.report


class ImportPlan:
    """A document's rows checked against the workspace and held in memory until saved:
    the rows to create (kind by kind, in import order) and the rows to update. A row refers
    to the workspace's rows, or to rows new in this document, by name."""

    def __init__(self, workspace: Workspace, source: str):
        self.workspace, self.source = workspace, source
        self.report = ImportReport(file=source)
        self.known: dict[type[models.Model], dict[tuple, models.Model]] = {}
        self.new: dict[str, list[models.Model]] = {slug: [] for slug in IMPORT_ORDER}
        self.changed: dict[int, tuple[models.Model, set[str]]] = {}
        self.unique: set[tuple] = set()

    def check(self, document: dict[str, Any]) -> None:
        """Report every problem of the document by place (``products[3]``, the field); a
        report with none can be saved."""
        report = self.report
        sections = {slug: document.get(slug, []) for slug in IMPORT_ORDER}
        rows = sum(len(found) for found in sections.values() if isinstance(found, list))
        if rows > MAX_IMPORT_ROWS:
            report.problem(
                None,
                "",
                f"{rows} rows, more than the {MAX_IMPORT_ROWS} one import takes; split the "
                "document (kinds later in it may refer to rows imported before)",
            )
            return
        for name in sorted(set(document) - set(IMPORT_ORDER) - {"format"}):
            report.problem(None, "", f"unknown section '{name}'")
        for slug, found in sections.items():
            if not isinstance(found, list):
                report.problem(None, "", f"'{slug}' must be a list")
                continue
            for index, raw in enumerate(found):
                try:
                    self._add(KINDS_BY_SLUG[slug], raw)
                except ValidationError as error:
                    _describe(report, f"{slug}[{index}]", error)

    def save(self, *, actor: User | None) -> None:
        """Create and update the checked rows, and audit the import, in one transaction."""
        try:
            with transaction.atomic():
                for slug in IMPORT_ORDER:
                    _create_all(KINDS_BY_SLUG[slug].model, self.new[slug])
                for row, names in self.changed.values():
                    row.save(update_fields=sorted(names))
                audit_record(
                    actor=actor,
                    workspace=self.workspace,
                    action=AuditAction.ORGANISATION_DOCUMENT_IMPORT,
                    detail={"source": self.source, "summary": self.report.summary()},
                )
        except IntegrityError as error:
            # The organisation changed between the check and the save (or the document
            # repeats a product key or plan code): nothing was saved.
            self.report.problem(None, "", f"not imported, nothing changed ({error}).")
            raise ImportRejected(self.report) from None

    def _add(self, kind: Kind, raw: Any) -> None:
        if not isinstance(raw, dict):
            raise ValidationError("must be an object with at least a 'name'")
        values = self._resolve(kind, raw)
        rows = self._rows(kind)
        key = _key(kind, values)
        existing = rows.get(key)
        # References to rows new in this document are checked here, not by full_clean():
        # those rows have no id until the document is saved.
        pending = [name for name, value in values.items() if isinstance(value, models.Model)]
        if existing is None:
            row = kind.model(workspace=self.workspace, **values)
            row.full_clean(exclude=pending)
            self._claim_unique(row)
            rows[key] = row
            self.new[kind.slug].append(row)
            self.report.count("created", kind=kind.slug)
            return
        changed = {name for name, value in values.items() if _differs(existing, name, value)}
        if not changed:
            self.report.count("unchanged", kind=kind.slug)
            return
        for name in changed:
            setattr(existing, name, values[name])
        existing.full_clean(exclude=pending)
        if existing.pk is not None:
            names = self.changed.setdefault(id(existing), (existing, set()))[1]
            names.update(kind.model._meta.get_field(name).attname for name in changed)
        self.report.count("updated", kind=kind.slug)

    def _claim_unique(self, row: models.Model) -> None:
        """full_clean() compares a new row with the database only: compare it with the
        rows new in this document too (two products with one key, two plans with one code)."""
        for constraint in row._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if not isinstance(constraint, models.UniqueConstraint) or constraint.condition:
                continue
            value = (constraint.name, *(_part(row, name) for name in fields))
            if value in self.unique:
                label = row._meta.get_field(fields[-1]).verbose_name
                raise ValidationError(
                    {fields[-1]: f"another row of this document has this {label}"}
                )
            self.unique.add(value)

    def _rows(self, kind: Kind) -> dict[tuple, models.Model]:
        """The kind's rows by identity: the workspace's, then those new in this document."""
        if kind.model not in self.known:
            joined = [name for name in kind.identity if name in kind.references]
            found = kind.model.objects.for_workspace(self.workspace).select_related(*joined)
            self.known[kind.model] = {_key(kind, _identity(kind, row)): row for row in found}
        return self.known[kind.model]

    def _resolve(self, kind: Kind, raw: dict[str, Any]) -> dict[str, Any]:
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
            found = self._rows(KINDS_BY_MODEL[target]).get((value,))
            if found is None:
                label = target._meta.verbose_name
                raise ValidationError({name: f"no {label} named '{value}'"})
            values[name] = found
        return values


def _part(row: models.Model, name: str) -> Any:
    # A related row may be new in this document, with no id yet: the object stands for it.
    if row._meta.get_field(name).is_relation:
        return id(getattr(row, name))
    return getattr(row, name)


def _identity(kind: Kind, row: models.Model) -> dict[str, Any]:
    return {name: getattr(row, name) for name in kind.identity}


def _key(kind: Kind, values: dict[str, Any]) -> tuple:
    # Rows referred to by identity are known by their names (unique in the workspace).
    return tuple(
        getattr(values.get(name), "name", None) if name in kind.references else values.get(name)
        for name in kind.identity
    )


def _differs(row: models.Model, name: str, value: Any) -> bool:
    field = row._meta.get_field(name)
    if not field.is_relation:
        return getattr(row, name) != value
    # Compared by id, so the current related row is never fetched; a row new in this
    # document (no id yet) is a change.
    new_id = value.pk if value is not None else None
    return (value is not None and new_id is None) or new_id != getattr(row, field.attname)


def _create_all(model: type[models.Model], rows: list[models.Model]) -> None:
    if connection.features.can_return_rows_from_bulk_insert:
        # Ids come back, so rows of later kinds can refer to these.
        model.objects.bulk_create(rows, batch_size=500)
        return
    for row in rows:  # SQLite before 3.35 returns no ids from a bulk insert
        row.save()


def _describe(report: ImportReport, place: str, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            for message in messages:
                report.problem(place, field, message)
        return
    for message in error.messages:
        report.problem(place, "", message)
