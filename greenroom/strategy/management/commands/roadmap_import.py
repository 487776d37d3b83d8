"""``greenroom manage roadmap_import FILE --workspace SLUG --team NAME [--jira-csv]
[--map field=Column ...]``: import a roadmap spreadsheet (or Jira's CSV export) into a
team's roadmap, as the Import page does, with the columns matched by name unless mapped.
``greenroom manage roadmap_import --jira-sync [--workspace SLUG]`` syncs Jira connections
now (the hourly job's work)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from greenroom.accounts.models import Workspace
from greenroom.organisation.models import Team
from greenroom.strategy import importing, jira
from greenroom.strategy.models import JiraConnection


class Command(BaseCommand):
    help = "Import a roadmap spreadsheet or Jira CSV export into a team's roadmap."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", help="A CSV or XLSX file.")
        parser.add_argument("--workspace", default="", help="Its slug.")
        parser.add_argument("--team", default="", help="The team's name.")
        parser.add_argument("--jira-csv", action="store_true", help="The file is Jira's export.")
        parser.add_argument(
            "--map", action="append", default=[], help="field=Column, e.g. title=Feature."
        )
        parser.add_argument("--jira-sync", action="store_true", help="Sync Jira connections.")

    def handle(self, *args, file, workspace, team, jira_csv, map, jira_sync, **options) -> None:
        try:
            if jira_sync:
                self._sync(workspace)
            else:
                self._import(file, workspace, team, jira_csv, map)
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None

    def _import(self, file, slug, team_name, jira_csv, pairs) -> None:
        if not file:
            raise CommandError("Give a file (or --jira-sync).")
        found = Workspace.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No workspace with the slug {slug!r}.")
        team = Team.objects.for_workspace(found).filter(name__iexact=team_name).first()
        if team is None:
            raise CommandError(f"No team named {team_name!r} in {slug}.")
        mapping = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
        path = Path(file)
        with path.open("rb") as stream:
            if jira_csv:
                outcome = jira.csv_import(
                    actor=None, workspace=found, team=team, name=path.name, stream=stream
                )
            else:
                outcome = importing.roadmap_import(
                    actor=None, workspace=found, team=team, name=path.name, stream=stream,
                    mapping=mapping,
                )  # fmt: skip
        self.stdout.write(outcome.report.summary())
        for item, missing in outcome.follow_up:
            self.stdout.write(f"needs follow-up: {item.title} (missing {', '.join(missing)})")

    def _sync(self, slug: str) -> None:
        rows = JiraConnection.objects.select_related("workspace", "team")
        if slug:
            rows = rows.filter(workspace__slug=slug)
        for connection in rows:
            outcome = jira.connection_sync(actor=None, connection=connection)
            self.stdout.write(
                f"{connection.workspace.slug}/{connection}: {outcome.report.summary()}"
            )
