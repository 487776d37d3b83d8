"""Stripe billing objects → raw.stripe_* document tables, from files or from Stripe's API.

Objects are kept whole (``doc``) with their id and ``created``. Subscriptions carry their
items and invoices their lines as embedded lists; those become rows of
``raw.stripe_subscription_items`` / ``raw.stripe_invoice_lines`` with ``parent_id`` set, and a
parent whose list is complete (``has_more`` false) replaces its old children.
"""

import json
import tempfile
from pathlib import Path
from typing import Any

from greenroom.lib.imports.report import Problem
from greenroom.metrics.rawschema import STRIPE_TABLES
from greenroom.sources.connectors.base import Batch, BatchInvalid, Check, Stage
from greenroom.sources.connectors.files import advance, file_cursor, file_unchanged, scan
from greenroom.sources.connectors.jsonlines import NOT_AN_OBJECT, JsonLinesConnector
from greenroom.sources.connectors.readers import jsonl_prepare
from greenroom.sources.currencies import CURRENCIES_SQL

KNOWN = "(" + ", ".join(f"'{name}'" for name in [*STRIPE_TABLES, "list"]) + ")"
# Embedded lists: parent object → (list field, child object).
CHILDREN = {"subscription": ("items", "subscription_item"), "invoice": ("lines", "line_item")}
NO_CREATED = {"line_item"}
# Fields holding an amount in the currency's minor unit, which Stripe writes as an integer;
# True where every object of the type has one (an invoice line always has an amount, a price
# of a metered or tiered plan has no unit_amount).
AMOUNT_FIELDS = {
    "line_item": {"amount": True},
    "invoice": {"total": False},
    "credit_note": {"total": False},
    "price": {"unit_amount": False},
}
WHOLE_NUMBER = "('BIGINT', 'UBIGINT')"


def _objects_sql() -> str:
    # Top-level objects, and the items of list responses ({"object": "list", "data": [...]}),
    # with their type read once: each of the eight stages picks its own type's objects.
    return """
        SELECT _row, j.object AS _object, _record::JSON AS doc
        FROM _in WHERE _valid AND j.object <> 'list'
        UNION ALL
        SELECT _row, doc ->> 'object', doc FROM (
            SELECT _row, unnest(json_extract(_record, '$.data[*]')) AS doc
            FROM _in WHERE _valid AND j.object = 'list'
        )
    """


def _stage_for(object_type: str) -> Stage:
    table = STRIPE_TABLES[object_type]
    parent_of = {child: parent for parent, (_, child) in CHILDREN.items()}
    created = "to_timestamp(try_cast(doc ->> 'created' AS BIGINT))::TIMESTAMP"
    own = f"""
        SELECT doc ->> 'id' AS id, {_parent_sql(object_type)} AS parent_id,
               {created} AS created, doc, _row, NULL::VARCHAR AS _complete_parent,
               doc ->> 'created' AS _created, upper(doc ->> 'currency') AS _currency
        FROM _objects WHERE _object = '{object_type}'
    """
    if object_type in parent_of:
        parent = parent_of[object_type]
        field = CHILDREN[parent][0]
        own += f"""
        UNION ALL
        SELECT child ->> 'id', parent_id, coalesce(
                   to_timestamp(try_cast(child ->> 'created' AS BIGINT))::TIMESTAMP, p_created),
               child, _row, CASE WHEN NOT complete THEN NULL ELSE parent_id END,
               coalesce(child ->> 'created', p_created::VARCHAR), upper(child ->> 'currency')
        FROM (
            SELECT doc ->> 'id' AS parent_id, {created} AS p_created, _row,
                   coalesce((doc -> '{field}' ->> 'has_more')::BOOLEAN, false) = false AS complete,
                   unnest(json_extract(doc, '$.{field}.data[*]')) AS child
            FROM _objects WHERE _object = '{parent}'
        )
        """
    checks = [Check("id", "id IS NULL OR id = ''", "'missing id'")]
    if object_type not in NO_CREATED:
        checks.append(
            Check(
                "created",
                "created IS NULL",
                "coalesce('not a Unix timestamp: ' || _created, 'missing created')",
            )
        )
    checks.append(
        Check(
            "currency",
            f"_currency IS NOT NULL AND _currency NOT IN {CURRENCIES_SQL}",
            "'unknown currency ' || lower(_currency) || ' (not an ISO 4217 code)'",
        )
    )
    checks += [
        _amount_check(name, required)
        for name, required in AMOUNT_FIELDS.get(object_type, {}).items()
    ]
    warnings = [NEGATIVE_LINE] if object_type == "line_item" else []
    children_of = "_complete_parent" if object_type in parent_of else None
    return Stage(
        table, f"SELECT * FROM ({own})", checks, children_of=children_of, warnings=warnings
    )


def _amount_check(name: str, required: bool) -> Check:
    # A null or fractional amount is refused, never rounded or left for the refresh to drop
    # (a dropped line reads as a churn then a reactivation).
    kind = f"coalesce(json_type(doc, '$.{name}'), 'NULL')"
    allowed = WHOLE_NUMBER if required else WHOLE_NUMBER[:-1] + ", 'NULL')"
    return Check(
        name,
        f"{kind} NOT IN {allowed}",
        f"CASE WHEN {kind} = 'NULL' THEN 'missing or null: Stripe always gives an integer "
        f"amount in the currency''s minor unit (cents)' ELSE 'not a whole number of minor "
        f"units: ' || (doc ->> '$.{name}') || ' (Stripe amounts are integers, e.g. cents; "
        f"nothing is rounded)' END",
    )


# A negative line that is not a proration is a credit: loaded (the model floors each
# account's MRR in a product at zero and reports credits apart), and counted as a warning.
NEGATIVE_LINE = Check(
    "amount",
    "json_type(doc, '$.amount') = 'BIGINT' AND (doc ->> '$.amount')::BIGINT < 0 AND NOT "
    "coalesce((doc ->> '$.proration')::BOOLEAN, "
    "(doc -> '$.parent.subscription_item_details' ->> 'proration')::BOOLEAN, false)",
    "'negative amount ' || (doc ->> '$.amount') || ' (a credit): loaded; MRR is floored at "
    "zero per account and product and the credit reported apart (docs/metrics.md)'",
)


def _parent_sql(object_type: str) -> str:
    # A standalone item or line names its parent by id (or as an expanded object).
    if object_type == "subscription_item":
        return "coalesce(doc ->> 'subscription', doc -> 'subscription' ->> 'id')"
    if object_type == "line_item":
        return (
            "coalesce(doc ->> 'invoice', doc -> 'invoice' ->> 'id', doc -> 'parent' -> "
            "'invoice_item_details' ->> 'invoice')"
        )
    return "NULL::VARCHAR"


STRIPE_SPEC = {"object": "VARCHAR", "id": "VARCHAR"}


def stripe_stages() -> list[Stage]:
    """One stage per Stripe object type."""
    return [_stage_for(object_type) for object_type in STRIPE_TABLES]


def stripe_input_checks() -> list[Check]:
    """Lines must be JSON objects of a Stripe type Greenroom keeps."""
    return [
        NOT_AN_OBJECT,
        Check(
            "object",
            f"_valid AND (j.object IS NULL OR j.object NOT IN {KNOWN})",
            "coalesce('unknown Stripe object type ' || j.object, "
            "'missing \"object\" (the Stripe object type)')",
        ),
    ]


def prepare_objects(conn, found, *, drop: set[int]) -> int:
    """The batch input plus ``_objects``, every Stripe object in it with its row."""
    count = jsonl_prepare(conn, found, STRIPE_SPEC, drop=drop)
    conn.execute(f"CREATE OR REPLACE TEMP TABLE _objects AS {_objects_sql()}")
    return count


class StripeFilesConnector(JsonLinesConnector):
    """Stripe API objects exported as JSON lines, or as list responses in .json files."""

    kind = "stripe_files"
    tables = tuple(STRIPE_TABLES.values())
    spec = STRIPE_SPEC
    label = "Stripe"
    csv_hint = (
        "the tabular billing connector (billing_charges or billing_lines) for "
        "billing data in CSV, XLSX or Parquet"
    )

    def stages(self) -> list[Stage]:
        return stripe_stages()

    def input_checks(self) -> list[Check]:
        return stripe_input_checks()

    def file_batch(self, path: Path, cursor: dict[str, Any]) -> Batch | None:
        refused = self.csv_refused(path)
        if refused is not None:
            return refused
        if path.suffix.lower() == ".json" and not _first_line_is_object(path):
            return self._document_batch(path, cursor)
        start, first_line = file_cursor(cursor, path)
        found = scan(path, start, has_header=False, first_line=first_line)
        if found.end <= start and not found.errors:
            return None
        drop = found.bad_lines if self.settings.get("quarantine") else set()
        return Batch(
            label=path.name,
            prepare=lambda conn: prepare_objects(conn, found, drop=drop),
            stages=self.stages(),
            input_checks=self.input_checks(),
            advance_cursor=lambda current: advance(
                current, path, offset=found.end, next_line=first_line + found.lines
            ),
            errors=found.errors,
            notices=found.notices,
            bad_rows=found.bad_lines,
        )

    def _document_batch(self, path: Path, cursor: dict[str, Any]) -> Batch | None:
        # One JSON document (a list response, maybe pretty-printed): rows are its items.
        state = cursor.get("files", {}).get(str(path))
        size = path.stat().st_size
        if state and file_unchanged(path, state) and state.get("offset") == size:
            return None

        def prepare(conn) -> int:
            lines = _list_items_as_lines(path)
            try:
                found = scan(lines, 0, has_header=False)
                return prepare_objects(conn, found, drop=set())
            finally:
                lines.unlink(missing_ok=True)

        return Batch(
            label=path.name,
            prepare=prepare,
            stages=self.stages(),
            input_checks=self.input_checks(),
            advance_cursor=lambda current: advance(current, path, offset=size, next_line=1),
            notices=[f"{path.name}: one JSON document; rows are numbered by item (1 = first)."],
        )


def _first_line_is_object(path: Path) -> bool:
    with open(path, "rb") as handle:
        line = handle.readline()
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _list_items_as_lines(path: Path) -> Path:
    name = path.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise BatchInvalid(
            [
                Problem(
                    name,
                    line,
                    "(encoding)",
                    f"invalid UTF-8 byte 0x{data[error.start]:02x} at byte offset {error.start}",
                )
            ]
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BatchInvalid(
            [
                Problem(
                    name,
                    error.lineno,
                    "(json)",
                    f"not valid JSON at column {error.colno}: {error.msg} (a cut-off file?)",
                )
            ]
        ) from None
    if isinstance(document, dict) and document.get("object") == "list":
        items = document.get("data") or []
    elif isinstance(document, list):
        items = document
    elif isinstance(document, dict):
        items = [document]
    else:
        raise BatchInvalid([Problem(name, 1, "(json)", "expected a Stripe list or object")])
    with tempfile.NamedTemporaryFile(
        "w", suffix=".jsonl", delete=False, encoding="utf-8"
    ) as handle:
        for item in items:
            handle.write(json.dumps(item) + "\n")
    return Path(handle.name)
