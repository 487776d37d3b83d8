import os

import pytest

from greenroom.testing.data_dir import data_dir_settings
from greenroom.testing.personas import make_personas

pytest_plugins = ["greenroom.testing.browser"]


# Fixtures through which a test reaches the relational database.
DATABASE_FIXTURES = {"db", "transactional_db", "django_db_setup"}


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL pass, leave out tests that never touch the relational database (the
    analytics store, parsers, pure functions): the SQLite pass already ran them, and their
    outcome cannot depend on the application database. Browser tests stay: they serve a
    sandbox on the configured database."""
    if not os.environ.get("GREENROOM_DATABASE_URL", "").startswith(("postgres", "postgresql")):
        return
    kept, left_out = [], []
    for item in items:
        uses_database = (
            item.get_closest_marker("django_db")
            or item.get_closest_marker("browser")
            or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (kept if uses_database else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture
def personas(db):
    """One member per role in a workspace, plus an outsider from another workspace."""
    return make_personas()


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    for name, value in data_dir_settings(tmp_path / "data").items():
        setattr(settings, name, value)
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
