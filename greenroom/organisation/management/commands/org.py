import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from greenroom.accounts.models import Workspace
from greenroom.organisation import services


class Command(BaseCommand):
    help = (
        "Import the organisation (teams, people, product lines, products, areas, regions, "
        "markets, segments, plans) from a JSON document; see docs/import-formats.md. "
        "All or nothing, and safe to repeat."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="create or update the organisation from FILE")
        load.add_argument("file", type=Path)
        load.add_argument("--dry-run", action="store_true", help="check the file, change nothing")

    def handle(self, *args, **options):
        path: Path = options["file"]
        workspace = Workspace.objects.order_by("pk").first()
        if workspace is None:
            raise CommandError("No workspace yet: run 'greenroom createuser --role admin' first.")
        document = _read_json(path)
        try:
            report = services.organisation_import(
                actor=None,
                workspace=workspace,
                document=document,
                source=str(path),
                dry_run=options["dry_run"],
            )
        except ValidationError as error:
            raise CommandError(
                f"{path} was not imported; nothing changed:\n  " + "\n  ".join(error.messages)
            ) from None
        prefix = "Checked (dry run, nothing changed)" if options["dry_run"] else "Imported"
        self.stdout.write(f"{prefix} {path}: {report.summary()}")


def _read_json(path: Path) -> dict:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except UnicodeDecodeError as error:
        raise CommandError(f"{path}: not UTF-8 text (byte {error.start})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(document, dict):
        raise CommandError(f"{path}: expected a JSON object with sections such as 'teams'")
    return document
