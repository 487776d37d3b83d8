"""``greenroom sources list | add | sync NAME | sync --all | runs NAME | remove NAME``."""

import json
import sys
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from greenroom.accounts.models import Workspace
from greenroom.accounts.selectors import WorkspaceNotChosen, workspace_for_command
from greenroom.sources import selectors, services
from greenroom.sources.choices import RunStatus, SourceKind, Trigger
from greenroom.sources.models import Source, SyncRun
from greenroom.sources.schedule import HELP as SCHEDULE_HELP


class Command(BaseCommand):
    help = (
        "Manage data sources and load them into the analytics store: list them, add one, "
        "sync one or all, show a source's sync history, remove one with its data. See "
        "docs/import-formats.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        listing = sub.add_parser(
            "list", help="list sources with status, last sync and the rows the store holds"
        )
        add = sub.add_parser("add", help="add a source")
        add.add_argument("name", help="a short name: lower-case letters, digits, - and _")
        add.add_argument("--kind", required=True, choices=SourceKind.values)
        add.add_argument("--path", default="", help="file, folder or glob to read")
        add.add_argument("--schedule", default="", help=SCHEDULE_HELP)
        add.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="a setting (repeatable); VALUE is JSON when it parses, else text",
        )
        sync = sub.add_parser("sync", help="load what is new in sources")
        sync.add_argument("names", nargs="*", help="the sources to sync")
        sync.add_argument("--all", action="store_true", help="sync every enabled source")
        sync.add_argument(
            "--full", action="store_true", help="ignore the cursor and read everything again"
        )
        runs = sub.add_parser("runs", help="a source's recent syncs and their errors")
        runs.add_argument("name")
        runs.add_argument("--limit", type=int, default=5)
        remove = sub.add_parser(
            "remove", help="remove a source with the rows it loaded (asks first)"
        )
        remove.add_argument("name")
        remove.add_argument(
            "--yes", action="store_true", help="remove without asking (scripts, no terminal)"
        )
        for command in (listing, add, sync, runs, remove):
            command.add_argument(
                "--workspace", help="workspace slug (needed when there are several)"
            )

    def handle(self, *args, **options) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _list(self, options) -> None:
        sources = Source.objects.for_workspace(_workspace(options["workspace"])).order_by("name")
        if not sources:
            self.stdout.write("No sources yet: add one with 'greenroom sources add NAME --kind …'.")
            return
        self.stdout.write(
            f"{'NAME':<24} {'KIND':<13} {'STATUS':<15} {'LAST ATTEMPT':<17} "
            f"{'LAST LOADED':<17} ROWS IN STORE"
        )
        for source in sources:
            self.stdout.write(
                f"{source.name:<24} {source.kind:<13} {source.get_status_display():<15} "
                f"{_when(source.last_sync_started_at):<17} {_when(source.last_synced_at):<17} "
                f"{source.rows_total}"
            )

    def _add(self, options) -> None:
        workspace = _workspace(options["workspace"])
        settings = dict(_setting(item) for item in options["set"])
        if options["path"]:
            settings["path"] = options["path"]
        try:
            source = services.source_create(
                actor=None,
                workspace=workspace,
                name=options["name"],
                kind=options["kind"],
                settings=settings,
                schedule=options["schedule"],
                trusted=True,
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"Added source {source.name} ({source.get_kind_display()}).")

    def _sync(self, options) -> None:
        workspace = _workspace(options["workspace"])
        if options["all"]:
            sources = list(
                Source.objects.for_workspace(workspace).filter(enabled=True).order_by("name")
            )
        elif options["names"]:
            sources = [_source(workspace, name) for name in options["names"]]
        else:
            raise CommandError("Name the sources to sync, or use --all.")
        failed = False
        for source in sources:
            try:
                run = services.source_sync(
                    source=source,
                    trigger=Trigger.CLI,
                    full=options["full"],
                    progress=self._progress,
                )
            # Reported, and the next source still runs.
            except Exception as error:
                self.stderr.write(f"{source.name}: failed: {error}")
                failed = True
                continue
            self.stdout.write(f"{source.name}: {run.get_status_display()}. {run.message}")
            self._report(run, problems=20, indent="  ")
            failed = failed or run.status in (RunStatus.REJECTED, RunStatus.FAILED)
        if failed:
            sys.exit(1)

    def _runs(self, options) -> None:
        source = _source(_workspace(options["workspace"]), options["name"])
        for run in source.runs.all()[: options["limit"]]:
            self.stdout.write(
                f"{run.started_at:%Y-%m-%d %H:%M:%S} {run.get_status_display()}: {run.message}"
            )
            self._report(run, problems=10, indent="    ")

    def _remove(self, options) -> None:
        source = _source(_workspace(options["workspace"]), options["name"])
        self.stdout.write(f"Remove the source {source.name} ({source.get_kind_display()})?")
        for line in _removal_consequences(source):
            self.stdout.write(f"  - {line}")
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError(
                    "Not removed: there is no terminal to confirm on; add --yes to remove "
                    f"{source.name} and its data."
                )
            if _ask(f"Remove {source.name} and its data? [y/N] ").strip().lower() not in {
                "y",
                "yes",
            }:
                self.stdout.write("Kept: nothing was removed.")
                return
        removed = services.source_delete(actor=None, source=source)
        self.stdout.write(
            f"Removed {source.name} and the {removed:,} rows it had loaded. A full metrics "
            "refresh is queued (a worker runs it; 'greenroom refresh' runs it now)."
        )

    def _report(self, run: SyncRun, *, problems: int, indent: str) -> None:
        # The same for sync and runs: notices first (they explain the counts), then problems.
        for notice in run.notices:
            self.stdout.write(f"{indent}notice: {notice}")
        for problem in run.errors[:problems]:
            self.stdout.write(
                f"{indent}{problem['file']}, row {problem['row']}, {problem['field']}: "
                f"{problem['reason']}"
            )
        if run.errors_total > problems:
            self.stdout.write(f"{indent}… and {run.errors_total - problems} more problems.")

    def _progress(self, message: str) -> None:
        self.stdout.write(message)
        self.stdout.flush()


def _workspace(slug: str | None) -> Workspace:
    try:
        return workspace_for_command(slug=slug)
    except WorkspaceNotChosen as error:
        raise CommandError(str(error)) from None


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M}" if moment else "never"


def _source(workspace: Workspace, name: str) -> Source:
    source = Source.objects.for_workspace(workspace).filter(name=name).first()
    if source is None:
        raise CommandError(
            f"No source named {name!r} in {workspace.slug}; 'greenroom sources list' shows them."
        )
    return source


def _removal_consequences(source: Source) -> list[str]:
    """What removing ``source`` does to its data: the source page's confirmation, as lines."""
    lines = [
        f"The {source.rows_total:,} rows it loaded into the analytics store (as of its last "
        "sync, embedded objects such as invoice lines included) are deleted, and the metrics "
        "are refreshed without them: figures built on this data change or disappear.",
        "Its sync history is deleted; the audit log keeps that it was removed.",
    ]
    uploads = selectors.upload_list(source)
    if uploads:
        names = ", ".join(upload.name for upload in uploads)
        lines.append(f"Its {len(uploads)} uploaded file(s) ({names}) are deleted.")
    if source.settings.get("path"):
        lines.append(f"Files it read from {source.settings['path']} are not touched.")
    lines.append("This cannot be undone: to load the data again, add the source and sync it.")
    return lines


def _ask(question: str) -> str:
    return input(question)


def _setting(item: str) -> tuple[str, object]:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise CommandError(f"--set takes KEY=VALUE, not {item!r}.")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value
