"""The small sandbox company (seed 7), built once for the tests of this package.

A build goes through every importer, connector and refresh (tens of seconds), and these tests
only read what it made, so they share one build instead of making six. It is made inside a
transaction that is rolled back after the package's last test: tests elsewhere still start
from an empty database. Tests here that need a transaction of their own (transactional_db)
would break inside it; there are none.
"""

from dataclasses import dataclass
from pathlib import Path

import pytest
from django.db import transaction
from django.test import override_settings

from greenroom.accounts.models import Workspace
from greenroom.sandbox.services import sandbox_build
from greenroom.testing.data_dir import data_dir_settings

# The root conftest's test hasher: the demo users' passwords must be checkable by the tests.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class BuiltSandbox:
    workspace: Workspace
    data_dir: Path


@pytest.fixture(scope="package")
def _built_sandbox(django_db_setup, django_db_blocker, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("small-sandbox")
    with (
        override_settings(**data_dir_settings(data_dir), PASSWORD_HASHERS=FAST_HASHERS),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        workspace = sandbox_build(data_dir=data_dir, scale="small", seed=7)
        yield BuiltSandbox(workspace=workspace, data_dir=data_dir)
        transaction.set_rollback(True)


@pytest.fixture
def built_sandbox(_built_sandbox, db, settings) -> BuiltSandbox:
    """The shared small sandbox, with this test's settings pointed at its files."""
    for name, value in data_dir_settings(_built_sandbox.data_dir).items():
        setattr(settings, name, value)
    return _built_sandbox
