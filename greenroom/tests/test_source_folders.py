"""GREENROOM_SOURCE_FOLDERS: read from the environment, checked by `greenroom check`."""

from pathlib import Path

from greenroom import checks
from greenroom.lib import env
from greenroom.tests.test_configuration import run_greenroom


def test_it_reads_a_comma_separated_list_of_absolute_folders(monkeypatch, tmp_path):
    monkeypatch.setenv("GREENROOM_SOURCE_FOLDERS", f"{tmp_path}/a, ~/exports ,")
    folders = env.env_paths("GREENROOM_SOURCE_FOLDERS", [])
    assert folders == [tmp_path / "a", Path("~/exports").expanduser().resolve()]


def test_it_defaults_to_the_imports_folder_when_unset(monkeypatch):
    monkeypatch.delenv("GREENROOM_SOURCE_FOLDERS", raising=False)
    assert env.env_paths("GREENROOM_SOURCE_FOLDERS", [Path("/d/imports")]) == [Path("/d/imports")]


def test_it_warns_about_a_configured_folder_that_is_missing(settings, monkeypatch, tmp_path):
    monkeypatch.setenv("GREENROOM_SOURCE_FOLDERS", str(tmp_path / "gone"))
    settings.SOURCES_FILE_ROOTS = [tmp_path / "gone"]
    assert [problem.id for problem in checks.source_folders(None)] == ["greenroom.W010"]
    (tmp_path / "gone").mkdir()
    assert checks.source_folders(None) == []


def test_it_says_nothing_about_the_default_folder_before_it_is_made(settings, monkeypatch):
    monkeypatch.delenv("GREENROOM_SOURCE_FOLDERS", raising=False)
    settings.SOURCES_FILE_ROOTS = [Path(settings.DATA_DIR) / "imports"]
    assert checks.source_folders(None) == []


def test_it_refuses_a_folder_that_holds_the_data_folder(settings):
    settings.SOURCES_FILE_ROOTS = [Path(settings.DATA_DIR).parent, Path("/")]
    problems = checks.source_folders(None)
    assert [problem.id for problem in problems] == ["greenroom.E010", "greenroom.E010"]
    assert "secret key" in problems[0].msg


def test_greenroom_check_reports_a_missing_source_folder(tmp_path):
    result = run_greenroom(
        "check",
        extra_env={
            "GREENROOM_DATA_DIR": str(tmp_path / "data"),
            "GREENROOM_SOURCE_FOLDERS": str(tmp_path / "exports"),
        },
    )
    assert "greenroom.W010" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
