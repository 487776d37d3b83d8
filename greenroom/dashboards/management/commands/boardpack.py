"""``greenroom boardpack --quarter 2025Q4 --out DIR``: write the quarter's board pack."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from greenroom.accounts.selectors import WorkspaceNotChosen, workspace_for_command
from greenroom.dashboards import boardpack


class Command(BaseCommand):
    help = "Write a quarter's board pack (PowerPoint and PDF) into a folder."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--quarter", required=True, help="the quarter, e.g. 2025Q4")
        parser.add_argument("--out", required=True, type=Path, help="the folder to write into")
        parser.add_argument("--workspace", help="workspace slug (needed when there are several)")

    def handle(self, *args, quarter: str, out: Path, workspace: str | None, **options) -> None:
        try:
            chosen = workspace_for_command(slug=workspace)
        except WorkspaceNotChosen as error:
            raise CommandError(str(error)) from None
        started = time.monotonic()
        verbose = options.get("verbosity", 1) > 1
        try:
            _, written = boardpack.write(
                workspace=chosen,
                quarter=quarter,
                out=out,
                progress=(lambda pct, text: self.stdout.write(f"  {pct:3d}% {text}"))
                if verbose
                else None,
            )
        except boardpack.BoardPackError as error:
            raise CommandError(str(error)) from None
        for path in written:
            self.stdout.write(str(path))
        self.stdout.write(
            self.style.SUCCESS(f"Board pack written in {time.monotonic() - started:.1f} s.")
        )
