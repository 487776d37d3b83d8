"""A source made on the web or through the API reads only files inside the allowed folders:
when its path is set, and again at every sync. Its errors name files, never server paths or
what a file holds."""

import importlib
import os
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from greenroom.accounts import services as account_services
from greenroom.jobs.models import JobRun
from greenroom.jobs.registry import run_now
from greenroom.sources import services
from greenroom.sources.choices import RunStatus
from greenroom.sources.models import Source
from greenroom.sources.paths import OutsideFolders
from greenroom.sources.tasks import sync_source
from greenroom.sources.tests.conftest import FIXTURES, query
from greenroom.sources.tests.factories import SourceFactory

SECRET = "s3cr3t-key-material-that-must-never-be-shown"
CONTACT = "ada.lovelace@example.com"


@pytest.fixture
def layout(settings, tmp_path):
    """The data folder with its imports folder, a secret key, and a folder of contacts
    beside the imports folder (the sandbox's files, which ops must not read)."""
    data = Path(settings.DATA_DIR)
    imports = data / "imports"
    (imports / "gl").mkdir(parents=True)
    shutil.copy(FIXTURES / "costs.csv", imports / "gl" / "costs.csv")
    (data / "secret.key").write_text(SECRET)
    sandbox = data / "sandbox"
    sandbox.mkdir()
    (sandbox / "salesforce-contacts.csv").write_text(f"Email,Name\n{CONTACT},Ada\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "costs.csv").write_text(f"date,amount,{SECRET}\n2025-01-01,1,2\n")
    return data, imports, outside


def _create(workspace, path: str, name: str = "ledger", kind: str = "costs") -> Source:
    return services.source_create(
        actor=None, workspace=workspace, name=name, kind=kind, settings={"path": path}
    )


def _refused(workspace, path: str) -> str:
    with pytest.raises(ValidationError) as refused:
        _create(workspace, path)
    message = " ".join(refused.value.messages)
    assert SECRET not in message and CONTACT not in message
    return message


@pytest.mark.parametrize(
    "relative",
    [
        "imports/../secret.key",
        "imports/gl/../../secret.key",
        "imports*/../secret.key",  # the glob before ".." that got through
        "imports/*/../../sandbox/salesforce-contacts.csv",  # the glob after
        "imports/gl/*/../../../secret.key",
        "imp?rts/../sandbox/*.csv",
        "sandbox/salesforce-contacts.csv",
        "secret.key",
        "*",
        "",  # the data folder itself
    ],
)
def test_it_refuses_paths_that_climb_or_glob_out_of_the_folder(workspace, layout, relative):
    data, _, _ = layout
    message = _refused(workspace, f"{data}/{relative}")
    assert "must be inside" in message
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    "path", ["/etc/passwd", "/etc/*.conf", "/", "/proc/self/environ", "imports/gl/costs.csv"]
)
def test_it_refuses_absolute_paths_elsewhere_and_relative_paths(workspace, layout, path):
    _refused(workspace, path)


@pytest.mark.parametrize(
    "tail",
    [
        "..%2fsecret.key",
        "..%2Fsecret.key",
        "%2e%2e/secret.key",
        "gl%2f..%2f..%2fsecret.key",
        "..\\secret.key",
        "gl\\..\\..\\secret.key",
        "gl/costs.csv\x00.txt",
    ],
)
def test_it_refuses_encoded_separators_backslashes_and_control_characters(workspace, layout, tail):
    _, imports, _ = layout
    message = _refused(workspace, f"{imports}/{tail}")
    assert "backslashes, encoded separators or control characters" in message


@pytest.mark.parametrize("path", ["~/.ssh/id_rsa", "~", "~root/secret.key", "~/*"])
def test_it_expands_the_home_folder_and_refuses_it(workspace, layout, path):
    _refused(workspace, path)


def test_it_refuses_a_file_link_leading_out(workspace, layout):
    data, imports, _ = layout
    (imports / "key.csv").symlink_to(data / "secret.key")
    assert "outside" in _refused(workspace, str(imports / "key.csv"))
    assert "key.csv" in _refused(workspace, str(imports / "*.csv"))
    assert "key.csv" in _refused(workspace, str(imports))  # a folder: each of its files


def test_it_refuses_a_folder_link_leading_out(workspace, layout):
    _, imports, outside = layout
    (imports / "shared").symlink_to(outside, target_is_directory=True)
    _refused(workspace, str(imports / "shared"))
    _refused(workspace, str(imports / "shared" / "*.csv"))
    _refused(workspace, str(imports / "shared" / "costs.csv"))
    assert "shared/costs.csv" in _refused(workspace, str(imports / "*" / "costs.csv"))


def test_it_accepts_files_folders_globs_and_links_that_stay_inside(workspace, layout):
    _, imports, _ = layout
    (imports / "latest.csv").symlink_to(imports / "gl" / "costs.csv")
    for index, path in enumerate(
        [
            imports / "gl" / "costs.csv",
            imports / "gl",
            imports / "gl" / "*.csv",
            imports / "*" / "costs.csv",
            imports / "gl" / ".." / "gl" / "costs.csv",
            imports / "latest.csv",
            imports / "not-there-yet.csv",  # files may arrive after the source is set up
        ]
    ):
        source = _create(workspace, str(path), name=f"ledger-{index}")
        assert not source.path_trusted


def test_it_ignores_an_allowed_folder_that_holds_the_data_folder(workspace, layout, settings):
    data, _, _ = layout
    settings.SOURCES_FILE_ROOTS = [data.parent, data / "imports"]
    _refused(workspace, str(data / "secret.key"))


def test_it_reads_what_a_path_matches_and_marks_the_source_checked(workspace, layout):
    _, imports, _ = layout
    run = services.source_sync(source=_create(workspace, str(imports / "gl" / "*.csv")))
    assert run.status == RunStatus.SUCCEEDED
    assert query("SELECT count(*) FROM raw.costs") == [(4,)]


def test_it_refuses_at_sync_a_link_added_after_the_source_was_set_up(workspace, layout):
    data, imports, _ = layout
    source = _create(workspace, str(imports / "gl" / "*.csv"))
    (imports / "gl" / "zz-key.csv").symlink_to(data / "secret.key")

    with pytest.raises(OutsideFolders):
        services.source_sync(source=source)

    run = source.runs.get()
    assert run.status == RunStatus.FAILED
    assert run.message.startswith("gl/zz-key.csv lies outside the folders sources may read")
    assert SECRET not in run.message and str(data) not in run.message
    assert query("SELECT count(*) FROM raw.costs") == [(0,)]  # costs.csv was not read either


def test_it_refuses_at_sync_a_folder_link_added_to_a_watched_folder(workspace, layout):
    _, imports, outside = layout
    source = _create(workspace, str(imports / "*" / "*.csv"))
    (imports / "shared").symlink_to(outside, target_is_directory=True)

    with pytest.raises(OutsideFolders):
        services.source_sync(source=source)
    assert source.runs.get().message.startswith("shared/costs.csv lies outside")


def test_it_refuses_at_sync_a_file_replaced_by_a_link(workspace, layout):
    data, imports, _ = layout
    source = _create(workspace, str(imports / "gl" / "costs.csv"))
    (imports / "gl" / "costs.csv").unlink()
    (imports / "gl" / "costs.csv").symlink_to(data / "sandbox" / "salesforce-contacts.csv")

    with pytest.raises(OutsideFolders):
        services.source_sync(source=source)
    assert CONTACT not in source.runs.get().message


def test_the_command_line_may_read_anywhere(workspace, layout):
    _, _, outside = layout
    (outside / "costs.csv").write_bytes((FIXTURES / "costs.csv").read_bytes())
    source = services.source_create(
        actor=None,
        workspace=workspace,
        name="ledger",
        kind="costs",
        settings={"path": str(outside / "costs.csv")},
        trusted=True,
    )
    assert source.path_trusted
    assert services.source_sync(source=source).status == RunStatus.SUCCEEDED


def test_a_path_changed_on_the_web_is_checked_from_then_on(workspace, layout, files):
    _, imports, outside = layout
    source = services.source_create(
        actor=None,
        workspace=workspace,
        name="ledger",
        kind="costs",
        settings={"path": str(outside)},
        trusted=True,
    )
    with pytest.raises(ValidationError):
        services.source_update(actor=None, source=source, settings={"path": "/etc/passwd"})
    # Other settings of a command-line source may change without touching its trust.
    services.source_update(
        actor=None, source=source, settings={"path": str(outside), "currency": "EUR"}
    )
    assert Source.objects.get().path_trusted
    services.source_update(actor=None, source=source, settings={"path": str(imports / "gl")})
    assert not Source.objects.get().path_trusted


# --- through the API and the pages, as product ops -----------------------------------------


def _bearer(user) -> dict:
    _, secret = account_services.token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_product_ops_cannot_point_a_source_outside_through_the_api(personas, client, layout):
    data, imports, _ = layout
    auth = _bearer(personas.ops)
    (imports / "key.csv").symlink_to(data / "secret.key")
    for path in (
        f"{data}/imports*/../secret.key",
        f"{data}/imports/*/../../sandbox/salesforce-contacts.csv",
        f"{imports}/..%2fsecret.key",
        f"{imports}\\..\\secret.key",
        "~/.bashrc",
        str(imports / "key.csv"),
    ):
        response = client.post(
            "/api/v1/sources/",
            {"name": "costs", "kind": "costs", "settings": {"path": path}},
            content_type="application/json",
            **auth,
        )
        assert response.status_code == 422, path
        assert SECRET not in response.text and CONTACT not in response.text
    assert not Source.objects.exists()


def test_a_sync_started_on_the_api_reports_a_late_link_without_paths(
    personas, client, layout, django_capture_on_commit_callbacks
):
    data, imports, _ = layout
    auth = _bearer(personas.ops)
    created = client.post(
        "/api/v1/sources/",
        {"name": "costs", "kind": "costs", "settings": {"path": f"{imports}/gl/*.csv"}},
        content_type="application/json",
        **auth,
    ).json()
    (imports / "gl" / "key.csv").symlink_to(data / "secret.key")
    with django_capture_on_commit_callbacks(execute=False):
        queued = client.post(f"/api/v1/sources/{created['id']}/sync", **auth).json()

    # What the worker does with the queued job, recording the failure on a job run:
    with pytest.raises(OutsideFolders):
        run_now(sync_source, **JobRun.objects.get(pk=queued["job_run_id"]).arguments)

    runs = client.get(f"/api/v1/sources/{created['id']}/runs", **auth).json()["items"]
    assert runs[0]["status"] == "failed"
    assert runs[0]["message"].startswith("gl/key.csv lies outside")
    job = JobRun.objects.get(name="sources.sync", status="failed")
    admin_view = client.get(f"/api/v1/jobs/runs/{job.pk}", **_bearer(personas.admin)).json()
    assert "lies outside" in admin_view["error"]
    for text in (runs[0]["message"], admin_view["error"], admin_view["log_tail"]):
        assert SECRET not in text and str(data) not in text


def test_product_ops_cannot_point_a_source_outside_on_the_page(personas, layout):
    data, _, _ = layout
    client = personas.client(personas.ops)
    page = client.post(
        "/sources/new/",
        {"name": "costs", "kind": "costs", "path": f"{data}/imports*/../secret.key"},
    )
    assert page.status_code == 200
    assert b"must be inside" in page.content and SECRET.encode() not in page.content
    assert not Source.objects.exists()


def test_the_source_page_shows_a_late_link_as_a_problem_not_its_content(personas, layout):
    data, imports, _ = layout
    source = _create(personas.workspace, str(imports / "gl"))
    os.symlink(data / "sandbox" / "salesforce-contacts.csv", imports / "gl" / "crm.csv")

    page = personas.client(personas.ops).get(f"/sources/{source.pk}/")

    assert page.status_code == 200
    assert b"gl/crm.csv lies outside" in page.content
    assert CONTACT.encode() not in page.content


# --- errors name the file, the row and the field; never content or server paths --------


def _sync(source):
    return services.source_sync(source=source)


def test_a_file_that_is_not_a_table_is_described_not_quoted(workspace, layout):
    _, imports, _ = layout
    (imports / "notes.csv").write_text(SECRET + "\n")
    run = _sync(_create(workspace, str(imports / "notes.csv")))
    assert run.status == RunStatus.REJECTED
    assert {(error["file"], error["row"]) for error in run.errors} == {("notes.csv", 1)}
    assert all("first line is not a header" in error["reason"] for error in run.errors)
    assert SECRET not in str(run.errors) + run.message


def test_a_truncated_parquet_file_is_one_clear_problem(workspace, layout):
    import pyarrow as pa
    import pyarrow.parquet as pq

    _, imports, _ = layout
    table = pa.table({"Posting Date": ["2025-01-31"] * 100, "Amount": ["1.00"] * 100})
    pq.write_table(table, imports / "whole.parquet")
    whole = (imports / "whole.parquet").read_bytes()
    (imports / "ledger.parquet").write_bytes(whole[: len(whole) // 2])
    run = _sync(_create(workspace, str(imports / "ledger.parquet")))
    assert run.status == RunStatus.REJECTED
    assert run.errors == [
        {
            "file": "ledger.parquet",
            "row": None,
            "field": "(file)",
            "reason": "not a readable Parquet file: it is damaged or cut short "
            "(copy it again whole)",
        }
    ]


def test_a_csv_line_with_too_many_fields_names_its_row_not_its_content(workspace, layout):
    _, imports, _ = layout
    rows = ["Entry ID,Posting Date,GL Account,Cost Center,Amount,Currency,Memo"]
    # Beyond the rows DuckDB samples, so the problem is found while reading, not sniffing.
    rows += [f"JE-{n},2025-01-31,6100 Salaries,Billing,1.00,EUR,pay" for n in range(25_000)]
    rows.append(f"JE-x,2025-01-31,6100 Salaries,Billing,1.00,EUR,pay,{SECRET}")
    (imports / "big.csv").write_text("\n".join(rows) + "\n")
    run = _sync(_create(workspace, str(imports / "big.csv")))
    assert run.status == RunStatus.REJECTED
    assert run.errors == [
        {
            "file": "big.csv",
            "row": 25_002,
            "field": "(line)",
            "reason": "expected 7 columns, found 8",
        }
    ]


def test_a_missing_file_is_named_without_its_folder(workspace, layout):
    data, imports, _ = layout
    source = _create(workspace, str(imports / "gl" / "later.csv"))
    with pytest.raises(FileNotFoundError):
        _sync(source)
    message = source.runs.get().message
    assert message == "gl/later.csv: No such file or directory."
    assert str(data) not in message


def test_a_cursor_names_files_below_their_folder(personas, layout):
    data, imports, _ = layout
    source = _create(personas.workspace, str(imports / "gl"))
    run = _sync(source)
    assert str(imports) in str(run.cursor_after)  # the stored cursor keeps the real path

    page = personas.client(personas.viewer).get(f"/sources/{source.pk}/runs/{run.pk}/")
    api = personas.client(personas.viewer).get(f"/api/v1/sources/{source.pk}/runs/{run.pk}")

    assert "gl/costs.csv" in page.text and str(data) not in page.text
    assert list(api.json()["cursor_after"]["files"]) == ["gl/costs.csv"]


def test_upgrading_trusts_only_sources_the_command_line_made_and_nobody_changed(personas):
    from django.apps import apps

    migration = importlib.import_module("greenroom.sources.migrations.0003_source_path_trusted")
    by_cli, changed, by_web = (
        SourceFactory(workspace=personas.workspace, name=name) for name in ("cli", "changed", "web")
    )
    for source, actor in ((by_cli, None), (changed, None), (by_web, personas.ops)):
        account_services.audit_record(
            actor=actor, workspace=personas.workspace, action="source.create", target=source
        )
    account_services.audit_record(
        actor=personas.ops, workspace=personas.workspace, action="source.update", target=changed
    )

    migration.trust_command_line_sources(apps, None)

    trusted = set(Source.objects.filter(path_trusted=True).values_list("name", flat=True))
    assert trusted == {"cli"}
