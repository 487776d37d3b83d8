"""Static files are collected again only when a source file is newer than the manifest, is
missing from it, or its collected copy is gone."""

import os

import pytest

from greenroom.lib.staticfiles import static_collect, static_current


@pytest.fixture
def sources(tmp_path, settings):
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "site.css").write_text("body { color: black; }\n")
    (folder / "site.js").write_text("console.log(1);\n")
    settings.STATICFILES_DIRS = [folder]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    return folder


def test_it_collects_once_then_finds_the_files_current(sources):
    assert not static_current()
    assert static_collect() is True
    assert static_current()
    assert static_collect() is False


def test_a_changed_source_file_makes_it_collect_again(sources, settings):
    static_collect()
    # Collected ten seconds before the file was last changed.
    earlier = (sources / "site.css").stat().st_mtime - 10
    os.utime(settings.STATIC_ROOT / "staticfiles.json", (earlier, earlier))
    assert not static_current()
    assert static_collect() is True
    assert static_current()


def test_a_new_source_file_or_a_lost_copy_makes_it_collect_again(sources, settings):
    static_collect()
    (sources / "extra.js").write_text("console.log(2);\n")
    assert not static_current()
    static_collect()
    for copy in (settings.STATIC_ROOT).glob("site.*.css"):
        copy.unlink()
    assert not static_current()


def test_without_a_manifest_storage_there_is_nothing_to_be_current(sources, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    static_collect()
    assert not static_current()
