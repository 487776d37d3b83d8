"""Product usage events from Segment, Amplitude and PostHog exports → raw.events.

Each format's own field names are mapped in SQL (docs/import-formats.md has the table):
the event id is the dedup key, ``occurred_at`` is the source's timestamp converted to UTC
with its offset (Amplitude's are UTC already), and ``product_key`` comes from a
configurable property (default ``product``) or the source's ``default_product``.
"""

import json
from typing import Any

from greenroom.sources.connectors.base import Check, Stage
from greenroom.sources.connectors.jsonlines import JsonLinesConnector
from greenroom.sources.connectors.readers import _quote

EVENT_CHECKS = [
    Check("event_id", "event_id IS NULL OR event_id = ''", "'missing: every event needs an id'"),
    Check("event", "event IS NULL OR event = ''", "'missing event name'"),
    Check(
        "timestamp",
        "occurred_at IS NULL",
        "CASE WHEN _ts IS NULL THEN 'missing timestamp' ELSE 'not a timestamp: ' || _ts END",
    ),
]

# A PostHog CSV or Parquet row whose properties text is not JSON (staged with the rest).
UNREADABLE_PROPERTIES = Check(
    "properties", "_unreadable IS NOT NULL", "'not valid JSON: ' || _unreadable"
)


def json_key(name: str) -> str:
    """A JSON path literal for one key, safe for names like ``$groups``."""
    escaped = name.replace('"', '\\"')
    return _quote(f'$."{escaped}"')


def _property(settings: dict[str, Any], name: str, default: str) -> str:
    return str(settings.get(name) or default)


def group_value(groups_sql: str, group_type: str | None) -> str:
    """SQL for an account id in a groups object ({"company": "acme"} or {"company": ["acme"]}):
    the configured group type, else the first one; NULL when ``groups_sql`` is no object or
    an empty one.

    The group is picked by path (the first one: ``$.*``, every value of an object in order),
    so the small groups text is parsed once, not once for its type, once for its keys and
    once per use of a path built from the first key. An extracted JSON value is written
    without spaces: it is an array exactly when its text starts with "[".
    """
    value = (
        f"({groups_sql} -> {json_key(group_type)})"
        if group_type
        else f"json_extract({groups_sql}, '$.*')[1]"
    )
    return f"CASE WHEN starts_with({value}, '[') THEN {value} ->> '$[0]' ELSE {value} ->> '$' END"


def first_group_value(groups_map: str) -> str:
    """SQL for the account id in the first group of a groups map (``MAP(VARCHAR, JSON)``, as
    json_transform makes it; NULL when the groups are no object), as ``group_value`` reads it.

    The map is made in the one parse of the properties; a group given as a string without
    escapes (nearly every one) is then read between its quotes, where ``->>`` would parse
    each event's group text again (and ``$.*`` once more before it)."""
    value = f"map_values({groups_map})[1]"
    return (
        f"CASE WHEN starts_with({value}, '\"') AND NOT contains({value}, '\\') "
        f"THEN {value}[2:-2] "
        f"WHEN starts_with({value}, '[') THEN {value} ->> '$[0]' ELSE {value} ->> '$' END"
    )


class EventsMixin:
    """The parts every event format shares: product key and feature from properties."""

    settings: dict[str, Any]
    keep_record = False

    def product_sql(self, properties: str) -> str:
        prop = _property(self.settings, "product_property", "product")
        default = self.settings.get("default_product")
        fallback = _quote(default) if default else "NULL"
        return f"coalesce({properties} ->> {json_key(prop)}, {fallback})"

    def feature_sql(self, properties: str) -> str:
        prop = _property(self.settings, "feature_property", "feature")
        return f"{properties} ->> {json_key(prop)}"

    def parsed_properties(
        self, properties: str, *, extra: dict[str, str] | None = None
    ) -> tuple[str, str, str]:
        """(SQL for a struct of the properties read, its product SQL, its feature SQL).

        Each event's properties are parsed once, into a struct of the values read from them:
        every ``->>`` on JSON text parses it again (two to six times an event)."""
        names = (
            _property(self.settings, "product_property", "product"),
            _property(self.settings, "feature_property", "feature"),
        )
        spec = _quote(json.dumps({**(extra or {}), **dict.fromkeys(names, "VARCHAR")}))
        default = self.settings.get("default_product")
        product, feature = (f"_p[{_quote(name)}]" for name in names)
        return (
            f"try(json_transform({properties}, {spec}))",
            f"coalesce({product}, {_quote(default) if default else 'NULL'})",
            feature,
        )


class SegmentConnector(EventsMixin, JsonLinesConnector):
    """Segment's message format: track/page/screen → events, identify/group → identities."""

    kind = "segment"
    tables = ("events", "identities")
    spec = {
        "type": "VARCHAR",
        "messageId": "VARCHAR",
        "event": "VARCHAR",
        "name": "VARCHAR",
        "userId": "VARCHAR",
        "anonymousId": "VARCHAR",
        "groupId": "VARCHAR",
        # Only the group id is read from the (large) context: a struct, not JSON text.
        "context": {"groupId": "VARCHAR"},
        "properties": "JSON",
        "traits": "JSON",
        "timestamp": "VARCHAR",
        "originalTimestamp": "VARCHAR",
        "receivedAt": "VARCHAR",
    }

    def input_checks(self) -> list[Check]:
        known = "('track', 'page', 'screen', 'identify', 'group', 'alias')"
        return [
            *super().input_checks(),
            Check(
                "type",
                f"_valid AND (j.type IS NULL OR j.type NOT IN {known})",
                "CASE WHEN j.type IS NULL THEN 'missing type' "
                "ELSE 'unknown call type ' || j.type END",
            ),
        ]

    def stages(self) -> list[Stage]:
        props = "coalesce(j.properties, '{}'::JSON)"
        ts = "coalesce(j.timestamp, j.originalTimestamp)"
        parsed, product, feature = self.parsed_properties("j.properties")
        events = f"""
            SELECT j.messageId AS event_id,
                   CASE j.type WHEN 'track' THEN j.event
                               WHEN 'page' THEN 'Page Viewed'
                               WHEN 'screen' THEN 'Screen Viewed' END AS event,
                   j.userId AS user_id, j.anonymousId AS anonymous_id,
                   coalesce(j.groupId, j.context.groupId) AS account_id,
                   {product} AS product_key,
                   {feature} AS feature,
                   try_cast({ts} AS TIMESTAMPTZ) AS occurred_at,
                   try_cast(j.receivedAt AS TIMESTAMPTZ) AS received_at,
                   CASE WHEN j.type IN ('page', 'screen') AND j.name IS NOT NULL
                        THEN json_merge_patch({props}, json_object('name', j.name))
                        ELSE {props} END AS properties,
                   'segment' AS source_format, _row, {ts} AS _ts
            FROM (
                SELECT j, _row, {parsed} AS _p FROM _in
                WHERE _valid AND j.type IN ('track', 'page', 'screen')
            )
        """
        identities = f"""
            SELECT j.messageId AS message_id, j.userId AS user_id,
                   coalesce(j.groupId, j.context.groupId) AS account_id,
                   coalesce(j.traits, '{{}}'::JSON) AS traits,
                   try_cast({ts} AS TIMESTAMPTZ) AS seen_at, _row, {ts} AS _ts
            FROM _in WHERE _valid AND j.type IN ('identify', 'group')
        """
        identity_checks = [
            Check("messageId", "message_id IS NULL", "'missing: every call needs an id'"),
            Check("userId", "user_id IS NULL AND account_id IS NULL", "'needs userId or groupId'"),
            Check(
                "timestamp",
                "seen_at IS NULL",
                "coalesce('not a timestamp: ' || _ts, 'missing timestamp')",
            ),
        ]
        return [
            # A file of track, page and screen calls alone (most are) loads directly.
            Stage("events", events, EVENT_CHECKS, input_key=("j.messageId",)),
            Stage("identities", identities, identity_checks),
        ]


class AmplitudeConnector(EventsMixin, JsonLinesConnector):
    """Amplitude's export API files (JSON lines; event_time is UTC without an offset)."""

    kind = "amplitude"
    tables = ("events",)
    spec = {
        "$insert_id": "VARCHAR",
        "uuid": "VARCHAR",
        "event_type": "VARCHAR",
        "user_id": "VARCHAR",
        "device_id": "VARCHAR",
        "event_time": "VARCHAR",
        "server_received_time": "VARCHAR",
        "groups": "JSON",
        "event_properties": "JSON",
    }

    def stages(self) -> list[Stage]:
        props = "coalesce(j.event_properties, '{}'::JSON)"
        group = group_value("j.groups", self.settings.get("group_type"))
        select = f"""
            SELECT coalesce(j."$insert_id", j.uuid) AS event_id, j.event_type AS event,
                   j.user_id AS user_id, j.device_id AS anonymous_id,
                   {group} AS account_id,
                   {self.product_sql(props)} AS product_key, {self.feature_sql(props)} AS feature,
                   try_cast(j.event_time AS TIMESTAMPTZ) AS occurred_at,
                   try_cast(j.server_received_time AS TIMESTAMPTZ) AS received_at,
                   {props} AS properties, 'amplitude' AS source_format, _row, j.event_time AS _ts
            FROM _in WHERE _valid
        """
        return [Stage("events", select, EVENT_CHECKS)]


class PostHogConnector(EventsMixin, JsonLinesConnector):
    """PostHog event exports: JSON lines (batch exports) or CSV with the same columns.

    ``properties`` is an object, or JSON text in CSV; the account is in ``$groups``.
    """

    kind = "posthog"
    tables = ("events",)
    spec = {
        "uuid": "VARCHAR",
        "event": "VARCHAR",
        "distinct_id": "VARCHAR",
        "timestamp": "VARCHAR",
        "created_at": "VARCHAR",
        "properties": "JSON",
    }
    csv_fields: dict[str, tuple[str, ...]] = {
        "uuid": ("id", "event_uuid"),
        "event": ("event_name",),
        "distinct_id": ("distinctid",),
        "timestamp": ("time",),
        "created_at": (),
        "properties": (),
    }

    def file_batch(self, path, cursor):
        if path.suffix.lower() in {".csv", ".parquet"}:
            return self.table_batch(path, cursor)
        return super().file_batch(path, cursor)

    def table_batch(self, path, cursor):
        from greenroom.sources.connectors.tabular import table_file_batch

        return table_file_batch(
            self,
            path,
            cursor,
            fields=self.csv_fields,
            required={"uuid", "event", "distinct_id", "timestamp"},
            stages=self.stages(csv=True),
            # Staged straight from the file: properties that are not JSON are the stage's
            # check, not a check over a copy of the file made first.
            from_file=True,
        )

    def stages(self, csv: bool = False) -> list[Stage]:
        """The events stage over ``_in``: JSON lines parsed into the struct ``j``, or a CSV
        or Parquet file's columns as text (``_in`` has them by their field names). A file's
        columns are read as they are, not packed into a struct like ``j``: a filter on the
        id then reaches the file's reader, which reads only the rows it keeps."""

        def field(name: str) -> str:
            return f'"{name}"' if csv else f'j."{name}"'

        rows = (
            "SELECT *, try_cast(properties AS JSON) AS _json FROM _in"
            if csv
            else "SELECT *, j.properties AS _json FROM _in WHERE _valid"
        )
        # Text that is not JSON (CSV and Parquet only): the row is staged and fails a check.
        unreadable = (
            "CASE WHEN properties <> '' AND _json IS NULL THEN left(properties, 80) END"
            if csv
            else "NULL::VARCHAR"
        )
        # Properties may itself be JSON text (exports differ); parse it then. A JSON value is
        # a string exactly when its text starts with a quote: told apart without parsing it
        # (json_type would parse every event's properties once more). An object (nearly every
        # event) is known by its first character, without the copy that trimming makes.
        props = (
            "coalesce(CASE WHEN starts_with(_json, '{') THEN _json "
            "WHEN starts_with(ltrim(_json::VARCHAR), '\"') "
            "THEN try_cast(_json ->> '$' AS JSON) ELSE _json END, '{}'::JSON)"
        )
        # Each event's properties are parsed once, into a struct of the three values read
        # from them: every `->>` on the JSON text parsed it again (six times an event).
        group_type = self.settings.get("group_type")
        parsed, product, feature = self.parsed_properties(
            "_props", extra={"$groups": "JSON" if group_type else "MAP(VARCHAR, JSON)"}
        )
        group = (
            group_value("_p['$groups']", group_type)
            if group_type
            else first_group_value("_p['$groups']")
        )
        select = f"""
            SELECT {field("uuid")} AS event_id, {field("event")} AS event,
                   {field("distinct_id")} AS user_id, NULL::VARCHAR AS anonymous_id,
                   {group} AS account_id, {product} AS product_key, {feature} AS feature,
                   try_cast({field("timestamp")} AS TIMESTAMPTZ) AS occurred_at,
                   try_cast({field("created_at")} AS TIMESTAMPTZ) AS received_at,
                   _props AS properties, 'posthog' AS source_format, _row,
                   {field("timestamp")} AS _ts, _unreadable
            FROM (
                SELECT *, {parsed} AS _p
                FROM (SELECT *, {props} AS _props, {unreadable} AS _unreadable FROM ({rows}))
            )
        """
        if csv:
            return [
                Stage("events", select, [UNREADABLE_PROPERTIES, *EVENT_CHECKS], input_key=("uuid",))
            ]
        return [Stage("events", select, EVENT_CHECKS)]
