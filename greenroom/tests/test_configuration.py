"""Configuration by environment and the `greenroom` command line, run as a user would."""

import os
import subprocess
import sys

import pytest

from greenroom.lib import env


def run_greenroom(*args: str, extra_env: dict | None = None, tmp_path=None, stdin: str = ""):
    # Each run gets its own SQLite data folder unless the test names a database.
    environment = {k: v for k, v in os.environ.items() if k != "GREENROOM_DATABASE_URL"}
    environment.update(extra_env or {})
    if tmp_path is not None:
        environment.setdefault("GREENROOM_DATA_DIR", str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "greenroom.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        input=stdin,
        timeout=120,
    )


def test_it_lists_its_commands():
    result = run_greenroom("--help")
    assert result.returncode == 0
    for command in ["demo", "serve", "migrate", "createuser", "check", "worker"]:
        assert command in result.stdout


@pytest.mark.parametrize("command", ["demo", "serve", "createuser", "check", "migrate", "org"])
def test_it_explains_each_command_with_help(command, tmp_path):
    result = run_greenroom(command, "--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout


def test_it_rejects_an_unknown_command_without_a_traceback():
    result = run_greenroom("frobnicate")
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_rejects_bad_arguments_with_usage(tmp_path):
    result = run_greenroom("demo", "--scale", "huge", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "invalid choice: 'huge'" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_reports_a_bad_environment_variable_as_a_system_check(tmp_path):
    result = run_greenroom(
        "check", extra_env={"GREENROOM_DEBUG": "maybe", "GREENROOM_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "greenroom.E001" in result.stderr
    assert "GREENROOM_DEBUG='maybe' is not valid" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_reports_a_data_folder_that_is_a_file_without_a_traceback(tmp_path):
    not_a_folder = tmp_path / "not-a-folder"
    not_a_folder.write_text("a file where the data folder goes")
    result = run_greenroom(
        "demo", "--no-serve", "--scale", "small", "--data-dir", str(not_a_folder)
    )
    assert result.returncode != 0
    assert f"GREENROOM_DATA_DIR='{not_a_folder}' is not valid" in result.stderr
    assert "Traceback" not in result.stderr


def test_it_reports_an_unparseable_database_url(tmp_path):
    result = run_greenroom(
        "check",
        extra_env={"GREENROOM_DATABASE_URL": "nosuchdb://x", "GREENROOM_DATA_DIR": str(tmp_path)},
    )
    assert result.returncode != 0
    assert "GREENROOM_DATABASE_URL" in result.stderr


@pytest.mark.parametrize("value", ["greenroom.example.com", "ftp://x", "https://x/?a=1"])
def test_it_refuses_a_base_url_that_is_not_a_web_address(monkeypatch, value):
    monkeypatch.setenv("GREENROOM_BASE_URL", value)
    monkeypatch.setattr(env, "problems", [])
    assert env.env_base_url("GREENROOM_BASE_URL") == ""
    assert env.problems[0].variable == "GREENROOM_BASE_URL"


def test_it_keeps_a_base_url_without_its_trailing_slash(monkeypatch):
    monkeypatch.setenv("GREENROOM_BASE_URL", "https://example.com/greenroom/")
    assert env.env_base_url("GREENROOM_BASE_URL") == "https://example.com/greenroom"


def test_it_passes_the_deployment_checks_in_a_production_configuration(tmp_path):
    result = run_greenroom(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        extra_env={
            "GREENROOM_DATA_DIR": str(tmp_path),
            "GREENROOM_SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-1234",
            "GREENROOM_ALLOWED_HOSTS": "greenroom.example.com",
            "GREENROOM_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
            "GREENROOM_EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
            "GREENROOM_BASE_URL": "https://greenroom.example.com/",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_it_creates_the_first_admin_and_workspace_from_the_command_line(tmp_path):
    extra = {"GREENROOM_DATA_DIR": str(tmp_path)}
    assert run_greenroom("migrate", extra_env=extra).returncode == 0
    result = run_greenroom(
        "createuser",
        "--email",
        "Boss@Example.com",
        "--role",
        "admin",
        "--workspace",
        "Acme",
        "--password-stdin",
        extra_env=extra,
        stdin="a-long-password\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Added boss@example.com as Admin in the new workspace Acme (acme)" in result.stdout
    again = run_greenroom(
        "createuser",
        "--email",
        "boss@example.com",
        "--role",
        "viewer",
        "--no-password",
        extra_env=extra,
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("console:", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
        (
            "smtps://u:p%40ss@mail.example.com",
            {"EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_HOST_PASSWORD": "p@ss"},
        ),
        ("smtp+tls://mail.example.com:2525", {"EMAIL_PORT": 2525, "EMAIL_USE_TLS": True}),
    ],
)
def test_it_reads_email_settings_from_a_url(url, expected):
    settings = env.email_settings(url)
    assert expected.items() <= settings.items()


def test_it_records_a_problem_for_an_unknown_email_scheme():
    before = len(env.problems)
    env.email_settings("pigeon://coop")
    assert env.problems[before:][0].variable == "GREENROOM_EMAIL_URL"
    del env.problems[before:]


@pytest.mark.parametrize("value", ["3GB", "512 MiB", "1.5gb"])
def test_it_accepts_memory_sizes_duckdb_understands(value, monkeypatch):
    monkeypatch.setenv("GREENROOM_ANALYTICS_MEMORY_LIMIT", value)
    before = len(env.problems)
    assert env.env_size("GREENROOM_ANALYTICS_MEMORY_LIMIT", "3GB") == value
    assert len(env.problems) == before


def test_it_records_a_problem_for_a_memory_size_without_a_unit(monkeypatch):
    monkeypatch.setenv("GREENROOM_ANALYTICS_MEMORY_LIMIT", "3000")
    before = len(env.problems)
    assert env.env_size("GREENROOM_ANALYTICS_MEMORY_LIMIT", "3GB") == "3GB"
    assert env.problems[before:][0].message == "expected a size such as 3GB or 512MB"
    del env.problems[before:]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("45m", 2700), ("12h", 43200), ("14d", 1209600), ("2w", 1209600), ("3600", 3600)],
)
def test_it_reads_durations_in_units_people_write(value, seconds, monkeypatch):
    monkeypatch.setenv("GREENROOM_SESSION_AGE", value)
    before = len(env.problems)
    assert env.env_duration("GREENROOM_SESSION_AGE", "12h") == seconds
    assert len(env.problems) == before


@pytest.mark.parametrize("value", ["forever", "0", "-5m", "12 hours", "1.5h"])
def test_it_records_a_problem_for_a_duration_it_cannot_read(value, monkeypatch):
    monkeypatch.setenv("GREENROOM_SESSION_AGE", value)
    before = len(env.problems)
    assert env.env_duration("GREENROOM_SESSION_AGE", "12h") == 43200
    assert env.problems[before:][0].message == "expected a duration such as 45m, 12h or 14d"
    del env.problems[before:]


def test_it_takes_the_session_lifetime_from_the_environment(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from django.conf import settings; print(settings.SESSION_COOKIE_AGE)",
        ],
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "greenroom.settings",
            "GREENROOM_DATA_DIR": str(tmp_path),
            "GREENROOM_SESSION_AGE": "30m",
        },
        timeout=120,
    )
    assert result.stdout.strip() == "1800", result.stderr


def test_it_reports_a_session_lifetime_it_cannot_read(tmp_path):
    result = run_greenroom(
        "check", extra_env={"GREENROOM_SESSION_AGE": "forever", "GREENROOM_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode != 0
    assert "GREENROOM_SESSION_AGE='forever' is not valid" in result.stderr


def test_it_warns_about_proxy_headers_the_web_server_noted(tmp_path):
    # What the web process writes when X-Forwarded-For arrives with no proxy configured.
    (tmp_path / "proxy-headers-seen.json").write_text(
        '{"X-Forwarded-For": "2026-12-01T09:00:00+00:00"}'
    )

    unconfigured = run_greenroom("check", extra_env={"GREENROOM_DATA_DIR": str(tmp_path)})
    configured = run_greenroom(
        "check", extra_env={"GREENROOM_DATA_DIR": str(tmp_path), "GREENROOM_PROXY_COUNT": "1"}
    )

    assert unconfigured.returncode == 0
    assert "greenroom.W003" in unconfigured.stderr
    assert "X-Forwarded-For (last noted 2026-12-01T09:00:00+00:00)" in unconfigured.stderr
    assert "greenroom.W003" not in configured.stderr + configured.stdout
