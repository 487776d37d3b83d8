import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from greenroom.metrics import store
from greenroom.sources import services
from greenroom.testing.factories import WorkspaceFactory

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def workspace(db):
    return WorkspaceFactory(name="Acme", reporting_currency="EUR")


@pytest.fixture
def files(tmp_path) -> Path:
    """A folder to write test files in."""
    folder = tmp_path / "files"
    folder.mkdir()
    return folder


def fixture_copy(name: str, folder: Path, as_name: str | None = None) -> Path:
    """A copy of a fixture file in ``folder`` (tests append to and corrupt their copies)."""
    target = folder / (as_name or name)
    shutil.copy(FIXTURES / name, target)
    return target


def make_source(workspace, kind: str, path: Path | str, name: str | None = None, **settings):
    return services.source_create(
        actor=None,
        workspace=workspace,
        name=name or kind.replace("_", "-"),
        kind=kind,
        settings={"path": str(path), **settings},
        trusted=True,  # as the command line: tests read files from their own tmp folders
    )


def query(sql: str, params: list | None = None) -> list[tuple]:
    """Rows from the working analytics store of the test's one workspace (raw layer too)."""
    folders = list(Path(django_settings.ANALYTICS_DIR).glob("workspace-*"))
    assert len(folders) == 1, f"expected one workspace's store, found {folders}"
    with store.writer(int(folders[0].name.removeprefix("workspace-"))) as conn:
        conn.execute("SET TimeZone = 'UTC'")
        return conn.execute(sql, params or []).fetchall()
