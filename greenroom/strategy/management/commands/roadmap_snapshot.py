"""``greenroom manage roadmap_snapshot [--workspace SLUG] [--label TEXT]``: freeze every
team's roadmap now (the quarterly job does this for every workspace)."""

from django.core.management.base import BaseCommand, CommandError

from greenroom.accounts.models import Workspace
from greenroom.strategy import services


class Command(BaseCommand):
    help = "Take a roadmap snapshot of one workspace (or all of them)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workspace", default="", help="Its slug; every workspace if empty.")
        parser.add_argument("--label", default="", help="Default: the quarter and the date.")

    def handle(self, *args, workspace: str, label: str, **options) -> None:
        rows = Workspace.objects.all()
        if workspace:
            rows = rows.filter(slug=workspace)
            if not rows.exists():
                raise CommandError(f"No workspace with the slug {workspace!r}.")
        for row in rows:
            snapshot = services.roadmap_snapshot_take(actor=None, workspace=row, label=label)
            self.stdout.write(f"{row.slug}: {snapshot.label}, {len(snapshot.items)} items")
