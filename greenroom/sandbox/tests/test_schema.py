"""A sandbox's tables made from the models are the tables the migrations make.

The test database was built by replaying every migration; a second, empty database gets its
tables from ``create_tables_from_models`` in a process of its own. Both are described through
Django's introspection (columns, types, nullability, defaults, every constraint and index, the
full-text tables made after migrating, the migrations recorded and the permissions created),
so the comparison holds on SQLite and on PostgreSQL alike.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

SQLITE_POSITIONAL_NAME = re.compile(r"__unnamed_constraint_\d+__|fk_\d+")
# Django's own auth migrations give the group-permission table a bigint id, its models an
# integer one (type codes 20 and 23): two billion group permissions are plenty either way.
KNOWN_DIFFERENCES = {
    "postgresql": {
        "auth_group_permissions": [[["id", "23", False, "None"], ["id", "20", False, "None"]]]
    }
}
DESCRIBE_FRESH = """
import json, sys
import django
django.setup()
from django.db import connection
from greenroom.sandbox.schema import prepare_database
from greenroom.sandbox.tests.test_schema import describe
prepare_database()
json.dump(describe(connection), sys.stdout)
"""


def describe(db_connection) -> dict:
    """Every table's columns and constraints, the migrations recorded, the permissions made."""
    introspection = db_connection.introspection
    tables = {}
    with db_connection.cursor() as cursor:
        for table in sorted(introspection.table_names(cursor)):
            columns = sorted(
                [column.name, str(column.type_code), column.null_ok, str(column.default)]
                for column in introspection.get_table_description(cursor, table)
            )
            constraints = sorted(
                _constraint(name, details)
                for name, details in introspection.get_constraints(cursor, table).items()
            )
            tables[table] = {"columns": columns, "constraints": constraints}
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [list(row) for row in cursor.fetchall()]
        cursor.execute("SELECT COUNT(*) FROM auth_permission")
        (permissions,) = cursor.fetchone()
    return {"tables": tables, "migrations": migrations, "permissions": permissions}


def _constraint(name: str, details: dict) -> str:
    """A constraint as text. SQLite numbers unnamed checks and foreign keys in column order,
    which differs (a migration adds its column last): those numbers are left out."""
    shown = {
        key: sorted(map(str, value)) if isinstance(value, list) else value
        for key, value in details.items()
    }
    shown["name"] = "" if SQLITE_POSITIONAL_NAME.fullmatch(name) else name
    return json.dumps(shown, sort_keys=True)


@pytest.mark.django_db
def test_tables_made_from_the_models_are_the_migrated_tables(tmp_path):
    migrated = json.loads(json.dumps(describe(connection)))
    with _empty_database(tmp_path) as environment:
        fresh = json.loads(_run(DESCRIBE_FRESH, environment))
    assert sorted(fresh["tables"]) == sorted(migrated["tables"])
    differing = {
        table: _columns_differing(fresh["tables"][table], described)
        for table, described in migrated["tables"].items()
        if fresh["tables"][table] != described
    }
    assert differing == KNOWN_DIFFERENCES.get(connection.vendor, {})
    assert fresh["migrations"] == migrated["migrations"]
    assert fresh["permissions"] == migrated["permissions"]


def _columns_differing(fresh: dict, migrated: dict) -> list:
    assert fresh["constraints"] == migrated["constraints"]
    return [
        [fresh_column, migrated_column]
        for fresh_column, migrated_column in zip(fresh["columns"], migrated["columns"], strict=True)
        if fresh_column != migrated_column
    ]


def _run(code: str, environment: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


class _empty_database:
    """An empty database of the test database's kind, with the environment pointing at it."""

    def __init__(self, tmp_path: Path) -> None:
        self.environment = {**os.environ, "GREENROOM_DATA_DIR": str(tmp_path)}
        self.environment.pop("GREENROOM_DATABASE_URL", None)
        self.postgres_name = ""

    def __enter__(self) -> dict[str, str]:
        if connection.vendor == "postgresql":
            settings = connection.settings_dict
            self.postgres_name = f"{settings['NAME']}_fresh"
            self._admin(f'DROP DATABASE IF EXISTS "{self.postgres_name}"')
            self._admin(f'CREATE DATABASE "{self.postgres_name}"')
            self.environment["GREENROOM_DATABASE_URL"] = (
                f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}"
                f"/{self.postgres_name}"
            )
        return self.environment

    def __exit__(self, *_exc) -> None:
        if self.postgres_name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.postgres_name}"')

    def _admin(self, statement: str) -> None:
        settings = connection.settings_dict
        with psycopg.connect(
            host=settings["HOST"],
            port=settings["PORT"],
            user=settings["USER"],
            dbname=settings["NAME"],
            autocommit=True,
        ) as admin:
            admin.execute(statement)
