"""Fast bulk writes for imports: one prepared INSERT or UPDATE run with executemany.

Django's bulk_create builds a model instance per row and prepares every value through the
expression machinery, and bulk_update builds one CASE WHEN per field; at 100,000 contacts
that is most of an import's time. These helpers take plain dicts keyed by column attribute
(``account_id``), convert values once per column type and let the driver batch the
statements. They work on SQLite and PostgreSQL alike and, like bulk_create, send no signals.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

CHUNK = 2000
PLAIN = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "EmailField",
    "ForeignKey", "IntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "SlugField", "SmallIntegerField", "TextField",
}  # fmt: skip


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    kind = field.get_internal_type()
    if kind in PLAIN:
        return None
    # Bound once: ``connection`` is a proxy that looks the connection up on every use.
    ops = connection.ops
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value
    if kind == "JSONField":
        assert isinstance(field, models.JSONField)
        encoder = field.encoder
        return lambda value: ops.adapt_json_value(value, encoder)
    return lambda value: field.get_db_prep_save(value, connection)


_MISSING = object()

# (attname, converter, fallback, is_stamp): how one column's value is written.
Column = tuple[str, Callable[[Any], Any] | None, Any, bool]


def _plan(model: type[models.Model], attnames: set[str] | None) -> list[Column]:
    """(attname, converter, fallback, is_stamp) per column written; ``attnames`` None means
    an INSERT of every column, where the fallback is the field's default."""
    now = timezone.now()
    plan: list[Column] = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        convert = _converter(field)
        stamp = getattr(field, "auto_now", False) or (
            attnames is None and getattr(field, "auto_now_add", False)
        )
        if stamp:
            plan.append((field.attname, None, convert(now) if convert else now, True))
            continue
        if attnames is not None and field.attname not in attnames:
            continue
        default = field.get_default() if attnames is None else None
        if default is not None and convert:
            default = convert(default)
        plan.append((field.attname, convert, default, False))
    return plan


def _values(row: dict, plan: list[Column]) -> list:
    values = []
    for attname, convert, fallback, stamp in plan:
        value = fallback if stamp else row.get(attname, _MISSING)
        if value is _MISSING:
            values.append(fallback)
        elif stamp or convert is None or value is None:
            values.append(value)
        else:
            values.append(convert(value))
    return values


def concrete_field(model: type[models.Model], name: str) -> models.Field:
    """The field of a column by name or attname: a column is always a concrete field."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


@dataclass(frozen=True)
class Statement:
    """One SQL statement with its rows of parameters, prepared before the transaction that
    runs it: converting values is most of the work, and need not hold any lock."""

    sql: str
    rows: list[list]

    def run(self) -> None:
        if self.rows:
            _execute(self.sql, self.rows)


def insert_statement(model: type[models.Model], rows: list[dict]) -> Statement:
    """The INSERT of one row per dict; columns missing from a dict get the field's default."""
    plan = _plan(model, None)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(concrete_field(model, attname).column) for attname, *_ in plan),
        ", ".join(["%s"] * len(plan)),
    )
    return Statement(sql, [_values(row, plan) for row in rows])


def insert_many(model: type[models.Model], rows: list[dict]) -> None:
    """INSERT one row per dict; columns missing from a dict get the field's default."""
    if rows:
        insert_statement(model, rows).run()


def update_many(model: type[models.Model], rows: list[dict], names: list[str]) -> None:
    """UPDATE the named columns of each row (dicts with ``pk``), plus auto_now stamps."""
    if not rows:
        return
    attnames = {concrete_field(model, name).attname for name in names}
    plan = _plan(model, attnames)
    quote = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(concrete_field(model, a).column)} = %s" for a, *_ in plan),
        quote(model._meta.pk.column),
    )
    _execute(sql, [[*_values(row, plan), row["pk"]] for row in rows])


def delete_many(model: type[models.Model], pks: list[int]) -> None:
    """DELETE rows by primary key in one statement, with no cascade: a row something still
    points at makes the transaction fail (the database's foreign keys) rather than take
    that other row with it."""
    if not pks:
        return
    quote = connection.ops.quote_name
    sql = "DELETE FROM {} WHERE {} IN ({})".format(
        quote(model._meta.db_table), quote(model._meta.pk.column), ", ".join(["%s"] * len(pks))
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, pks)


def _execute(sql: str, rows: list[list]) -> None:
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            cursor.executemany(sql, rows[start : start + CHUNK])


def analyze(*models_: type[models.Model]) -> None:
    """Refresh the planner's statistics after a large import: PostgreSQL otherwise plans
    the finder's queries on stale numbers until autovacuum comes by (seconds instead of
    milliseconds), and SQLite has none unless asked."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Sampled, as SQLite's own PRAGMA optimize does: a full ANALYZE holds the write
            # lock while it reads every index (about a second per 600,000 contacts).
            cursor.execute("PRAGMA analysis_limit = 1000")
        for model in models_:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")
