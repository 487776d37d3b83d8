import pytest

from greenroom.testing.personas import make_personas

pytest_plugins = ["greenroom.testing.browser"]


@pytest.fixture
def personas(db):
    """One member per role in a workspace, plus an outsider from another workspace."""
    return make_personas()


@pytest.fixture(autouse=True)
def _isolated_data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = settings.DATA_DIR / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR = str(settings.DATA_DIR / "tmp")
    (settings.DATA_DIR / "tmp").mkdir(parents=True)
    settings.ANALYTICS_PATH = settings.DATA_DIR / "analytics.duckdb"
    # Tests render templates without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
