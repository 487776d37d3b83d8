"""``greenroom manage search_reindex [--workspace SLUG]``: build the search index again from
the feedback, notes and insights (searches only read it; writes keep it up to date)."""

from django.core.management.base import BaseCommand, CommandError

from greenroom.accounts.models import Workspace
from greenroom.research import search


class Command(BaseCommand):
    help = "Rebuild the full-text search index of one workspace (or all of them)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--workspace", default="", help="Its slug; every workspace if empty.")

    def handle(self, *args, workspace: str, **options) -> None:
        rows = Workspace.objects.all()
        if workspace:
            rows = rows.filter(slug=workspace)
            if not rows.exists():
                raise CommandError(f"No workspace with the slug {workspace!r}.")
        for row in rows:
            count = search.reindex(workspace=row)
            self.stdout.write(f"{row.slug}: {count} texts indexed")
