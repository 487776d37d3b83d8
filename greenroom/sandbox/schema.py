"""A new sandbox's database tables, made in one step.

Replaying every migration on an empty database spends most of its time re-rendering Django's
model state after each operation (13.7 of the medium build's 70 s). A sandbox always starts
from an empty database, so it gets its tables the way Django's test runner does with
``MIGRATE: False``: created from the models, then every migration on disk recorded as applied,
so a later ``migrate`` (an upgrade) starts from the right place. ``makemigrations --check``
(``make check-migrations``) keeps the models and migrations describing the same tables, and a
test compares the two schemas column by column. The data migrations only rewrite existing
rows: on an empty database they have nothing to do.
"""

from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import override_settings


def prepare_database() -> None:
    """Tables for every model: made from the models when the database is empty, else migrated."""
    if connection.introspection.table_names():
        call_command("migrate", verbosity=0)
        return
    create_tables_from_models()


def create_tables_from_models() -> None:
    """Every model's table, made directly, and every migration recorded as applied."""
    on_disk = sorted(MigrationLoader(connection, ignore_no_migrations=True).disk_migrations)
    without_migrations = {config.label: None for config in apps.get_app_configs()}
    with override_settings(MIGRATION_MODULES=without_migrations):
        call_command("migrate", run_syncdb=True, verbosity=0)
    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    recorder.migration_qs.bulk_create(
        recorder.Migration(app=app_label, name=name) for app_label, name in on_disk
    )
