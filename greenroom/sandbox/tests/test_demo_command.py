"""``greenroom demo`` in a folder that holds another workspace stops before writing a file:
the sources of that workspace read the sandbox's files."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from greenroom.testing.data_dir import data_dir_settings
from greenroom.testing.factories import WorkspaceFactory


@pytest.mark.django_db
def test_it_refuses_a_folder_holding_another_workspace_before_writing_files(tmp_path, settings):
    for name, value in data_dir_settings(tmp_path).items():
        setattr(settings, name, value)
    WorkspaceFactory()
    with pytest.raises(CommandError, match="already holds a workspace"):
        call_command("demo", "--no-serve", "--scale", "small")
    assert not (tmp_path / "sandbox").exists()
