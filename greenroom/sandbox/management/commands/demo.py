import json
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from greenroom.accounts.models import Workspace
from greenroom.sandbox import company
from greenroom.sandbox.generator import SCALES
from greenroom.sandbox.services import sandbox_build


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
        started = time.monotonic()
        manifest_path = settings.DATA_DIR / "sandbox" / "manifest.json"
        wanted = {"scale": options["scale"], "seed": options["seed"]}
        if options["rebuild"]:
            self._discard()
        if self._manifest(manifest_path) == wanted and Workspace.objects.exists():
            self.stdout.write(f"Using the sandbox already built in {settings.DATA_DIR}")
        else:
            self._build(options, manifest_path, wanted)
        self.stdout.write(f"Ready in {time.monotonic() - started:.1f} s.\n")
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
        self.stdout.write(f"[1/3] Preparing the database in {settings.DATA_DIR}")
        call_command("migrate", verbosity=0)
        if Workspace.objects.exists():
            raise CommandError(
                f"{settings.DATA_DIR} already holds a workspace that is not a sandbox of this "
                "scale and seed. Use --rebuild to replace it, or --data-dir for another folder."
            )
        self.stdout.write("[2/3] Building the sandbox company")
        sandbox_build(
            data_dir=settings.DATA_DIR,
            scale=options["scale"],
            seed=options["seed"],
            progress=lambda line: self.stdout.write(f"      {line}"),
        )
        self.stdout.write("[3/3] Collecting static files")
        call_command("collectstatic", interactive=False, verbosity=0)
        manifest_path.write_text(json.dumps(wanted))

    def _print_sign_ins(self, port: int) -> None:
        self.stdout.write(f"Open http://127.0.0.1:{port}/ and sign in as one of:")
        for email, _, _, role in company.DEMO_USERS:
            self.stdout.write(f"  {email:<24} ({role.replace('_', ' ')})")
        self.stdout.write(f"Password for all of them: {company.DEMO_PASSWORD}")
