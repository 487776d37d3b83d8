import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections
from django.test import override_settings

from greenroom.accounts.models import Workspace
from greenroom.lib.staticfiles import static_collect
from greenroom.sandbox import company
from greenroom.sandbox.generation import SandboxFiles
from greenroom.sandbox.generator import SCALES
from greenroom.sandbox.schema import prepare_database
from greenroom.sandbox.services import sandbox_build
from greenroom.sandbox.steps import BuildSteps, cpu_seconds

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Build the sandbox company (Harbor Systems) into a data folder and serve it. "
        "Re-running reuses a sandbox already built with the same scale and seed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=list(SCALES), default="medium")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--data-dir", help="where to build it (default: ./data, or GREENROOM_DATA_DIR)"
        )
        parser.add_argument("--no-serve", action="store_true", help="build, then stop")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--rebuild", action="store_true", help="discard and build again")

    def handle(self, *args, **options):
        started, cpu = time.monotonic(), cpu_seconds()
        manifest_path = settings.DATA_DIR / "sandbox" / "manifest.json"
        wanted = {"scale": options["scale"], "seed": options["seed"]}
        if options["rebuild"]:
            self._discard()
        if self._manifest(manifest_path) == wanted and Workspace.objects.exists():
            self.stdout.write(f"Using the sandbox already built in {settings.DATA_DIR}")
        else:
            self._build(options, manifest_path, wanted)
        self.stdout.write(
            f"Ready in {time.monotonic() - started:.1f} s (CPU {cpu_seconds() - cpu:.1f} s).\n"
        )
        self._print_sign_ins(options["port"])
        if not options["no_serve"]:
            call_command("serve", port=options["port"])

    def _manifest(self, path) -> dict | None:
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None

    def _discard(self) -> None:
        self.stdout.write("Discarding the previous sandbox")
        if connection.vendor == "sqlite":
            connection.close()
            database = settings.DATABASES["default"]["NAME"]
            for suffix in ("", "-wal", "-shm"):
                database.with_name(database.name + suffix).unlink(missing_ok=True)
        else:
            call_command("migrate", verbosity=0)
            call_command("flush", interactive=False, verbosity=0)

    def _build(self, options, manifest_path, wanted) -> None:
        if _holds_a_workspace():  # checked before a file is written: its sources read them
            raise CommandError(
                f"{settings.DATA_DIR} already holds a workspace that is not a sandbox of "
                "this scale and seed. Use --rebuild to replace it, or --data-dir for "
                "another folder."
            )
        folder = manifest_path.parent
        folder.mkdir(parents=True, exist_ok=True)
        steps = BuildSteps(report=lambda line: self.stdout.write(f"  {line}"))
        self.stdout.write(
            f"Building the {options['scale']} sandbox in {settings.DATA_DIR} "
            f"(details in {folder / 'build.log'})"
        )
        with _logged_to(folder / "build.log"), _emails_kept_in(folder / "emails"):
            connections.close_all()  # the file worker is forked: it takes no connection along
            files = SandboxFiles(
                out_dir=folder, scale=options["scale"], seed=options["seed"], report=steps.add
            )
            beside = [("Static files collected (when changed)", static_collect)]
            try:
                with steps.step("Database prepared"):
                    prepare_database()
                sandbox_build(
                    data_dir=settings.DATA_DIR,
                    scale=options["scale"],
                    seed=options["seed"],
                    progress=logger.info,
                    steps=steps,
                    files=files,
                    beside=beside,
                )
            finally:
                files.close()
        steps.write(folder / "build-steps.json")
        manifest_path.write_text(json.dumps(wanted))

    def _print_sign_ins(self, port: int) -> None:
        self.stdout.write(f"Open http://127.0.0.1:{port}/ and sign in as one of:")
        for email, _, _, role in company.DEMO_USERS:
            self.stdout.write(f"  {email:<24} ({role.replace('_', ' ')})")
        self.stdout.write(f"Password for all of them: {company.DEMO_PASSWORD}")


def _holds_a_workspace() -> bool:
    """Whether the database already holds a workspace (False before its first migration)."""
    return Workspace._meta.db_table in connection.introspection.table_names() and (
        Workspace.objects.exists()
    )


@contextmanager
def _logged_to(path: Path) -> Iterator[None]:
    """The build's log lines (each import's report, each sync) go to ``path``, not the
    terminal, which shows one line per step; warnings and errors still reach both."""
    root = logging.getLogger()
    consoles = [
        h
        for h in root.handlers
        if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
    ]
    levels = [h.level for h in consoles]
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    for console in consoles:
        console.setLevel(max(console.level, logging.WARNING))
    try:
        yield
    finally:
        root.removeHandler(handler)
        handler.close()
        for console, level in zip(consoles, levels, strict=True):
            console.setLevel(level)


@contextmanager
def _emails_kept_in(folder: Path) -> Iterator[None]:
    """Emails the build sends (a reservation's note to the account owner) are written as
    files in ``folder`` rather than printed in the middle of the build's steps."""
    if settings.EMAIL_BACKEND != "django.core.mail.backends.console.EmailBackend":
        yield
        return
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=folder
    ):
        yield
