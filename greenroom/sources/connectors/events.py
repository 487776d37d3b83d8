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
    the configured group type, else the first one."""
    key = json_key(group_type) if group_type else f"'$.\"' || json_keys({groups_sql})[1] || '\"'"
    value = f"({groups_sql} -> {key})"
    return (
        f"CASE WHEN json_type({value}) = 'ARRAY' THEN {value} ->> '$[0]' ELSE {value} ->> '$' END"
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
            Stage("events", events, EVENT_CHECKS),
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
                   CASE WHEN j.groups IS NOT NULL AND json_type(j.groups) = 'OBJECT'
                        AND len(json_keys(j.groups)) > 0 THEN {group} END
                     AS account_id,
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

        def restructure(select: str) -> str:
            # The same shape as parsed JSON lines, so one stage serves both; made as the file
            # is read (rewriting the read rows into it cost a second copy of every event).
            return f"""
                SELECT _row, _record, true AS _valid,
                       struct_pack(uuid := uuid, event := event, distinct_id := distinct_id,
                                   "timestamp" := "timestamp", created_at := created_at,
                                   properties := try_cast(properties AS JSON),
                                   properties_text := properties) AS j
                FROM ({select})
            """

        return table_file_batch(
            self,
            path,
            cursor,
            fields=self.csv_fields,
            required={"uuid", "event", "distinct_id", "timestamp"},
            stages=self.stages(csv=True),
            shape=restructure,
            # Staged straight from the file: properties that are not JSON are the stage's
            # check, not a check over a copy of the file made first.
            from_file=True,
        )

    def stages(self, csv: bool = False) -> list[Stage]:
        # In JSON lines, properties may itself be JSON text (exports differ); parse it then.
        raw = "j.properties"
        # A JSON value is a string exactly when its text starts with a quote: told apart
        # without parsing it (json_type would parse every event's properties once more).
        props = (
            f"coalesce(CASE WHEN starts_with(ltrim({raw}::VARCHAR), '\"') "
            f"THEN try_cast({raw} ->> '$' AS JSON) ELSE {raw} END, '{{}}'::JSON)"
        )
        # Each event's properties are parsed once, into a struct of the three values read
        # from them: every `->>` on the JSON text parsed it again (six times an event).
        parsed, product, feature = self.parsed_properties("_props", extra={"$groups": "JSON"})
        groups = "_p['$groups']"
        group = group_value(groups, self.settings.get("group_type"))
        valid = "" if csv else "AND _valid"
        # Text that is not JSON (CSV and Parquet only): the row is staged and fails this.
        unreadable = (
            "CASE WHEN j.properties_text <> '' AND j.properties IS NULL "
            "THEN left(j.properties_text, 80) END"
            if csv
            else "NULL::VARCHAR"
        )
        select = f"""
            SELECT j.uuid AS event_id, j.event AS event, j.distinct_id AS user_id,
                   NULL::VARCHAR AS anonymous_id,
                   CASE WHEN json_type({groups}) = 'OBJECT' AND len(json_keys({groups})) > 0
                        THEN {group} END AS account_id,
                   {product} AS product_key, {feature} AS feature,
                   try_cast(j.timestamp AS TIMESTAMPTZ) AS occurred_at,
                   try_cast(j.created_at AS TIMESTAMPTZ) AS received_at,
                   _props AS properties, 'posthog' AS source_format, _row, j.timestamp AS _ts,
                   {unreadable} AS _unreadable
            FROM (
                SELECT *, {parsed} AS _p
                FROM (SELECT j, _row, {props} AS _props FROM _in WHERE true {valid})
            )
        """
        checks = [UNREADABLE_PROPERTIES, *EVENT_CHECKS] if csv else EVENT_CHECKS
        return [Stage("events", select, checks)]
