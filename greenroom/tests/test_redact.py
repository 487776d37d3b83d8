"""Server paths are cut out of what members read: below a known folder, else the name."""

import sysconfig
from pathlib import Path

from greenroom.lib.redact import redact_paths, short_path


def test_it_keeps_a_file_below_the_folder_users_put_files_in(settings):
    imports = Path(settings.DATA_DIR) / "imports"
    settings.SOURCES_FILE_ROOTS = [imports]
    assert short_path(imports / "gl" / "costs.csv") == "gl/costs.csv"
    assert short_path(Path(settings.DATA_DIR) / "secret.key") == "secret.key"
    assert short_path(Path(settings.MEDIA_ROOT) / "sources" / "x" / "a.csv") == "sources/x/a.csv"


def test_it_keeps_only_the_name_of_any_other_path():
    assert short_path("/srv/customer-a/exports/q1.csv") == "q1.csv"
    assert short_path("/etc") == "/etc"


def test_it_cuts_paths_out_of_a_traceback_and_an_error(settings):
    settings.SOURCES_FILE_ROOTS = [Path("/srv/gr/imports")]
    packages = sysconfig.get_path("purelib")
    code = Path(__file__).resolve().parents[1] / "sources" / "loader.py"
    text = (
        f'  File "{code}", line 93, in batch_commit\n'
        f'  File "{packages}/duckdb/__init__.py", line 5\n'
        "duckdb.InvalidInputException: No magic bytes found at end of file "
        "'/srv/gr/imports/gl/ledger.parquet'\n"
        "FileNotFoundError: [Errno 2] No such file or directory: '/home/ops/.ssh/id_rsa'"
    )
    shown = redact_paths(text)
    assert '"greenroom/sources/loader.py"' in shown
    assert '"duckdb/__init__.py"' in shown
    assert "'gl/ledger.parquet'" in shown
    assert "'id_rsa'" in shown
    assert "/srv" not in shown and "/home" not in shown and str(code.parent) not in shown


def test_it_leaves_addresses_and_relative_paths_alone():
    text = "GET https://api.stripe.com/v1/customers for gl/costs.csv at 12/03"
    assert redact_paths(text) == text
