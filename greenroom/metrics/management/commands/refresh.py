"""``greenroom refresh``: rebuild the metrics from the business data loaded so far."""

import logging
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from greenroom.accounts.selectors import WorkspaceNotChosen, workspace_for_command
from greenroom.jobs.choices import JobStatus
from greenroom.jobs.registry import run_now
from greenroom.metrics import tasks


class _Progress(logging.Handler):
    def __init__(self, write) -> None:
        super().__init__(logging.INFO)
        self.write = write

    def emit(self, record: logging.LogRecord) -> None:
        self.write(f"  {record.getMessage()}")


class Command(BaseCommand):
    help = "Refresh the metrics (model and rollup layers) from the raw business data."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--full", action="store_true", help="rebuild everything, not only what changed"
        )
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            help=(
                "compute every metric as of this date (YYYY-MM-DD; default: the end of each"
                " family's data, see docs/metrics.md)"
            ),
        )
        parser.add_argument("--workspace", help="workspace slug (needed when there are several)")

    def handle(
        self, *args, full: bool, as_of: date | None, workspace: str | None, **options
    ) -> None:
        try:
            chosen = workspace_for_command(slug=workspace)
        except WorkspaceNotChosen as error:
            raise CommandError(str(error)) from None
        handler = _Progress(self.stdout.write)
        logger = logging.getLogger("greenroom.metrics")
        logger.addHandler(handler)
        try:
            run = run_now(
                tasks.refresh,
                workspace_id=chosen.pk,
                full=full,
                as_of=as_of.isoformat() if as_of else None,
            )
        except Exception as error:
            raise CommandError(f"The refresh failed: {error}") from error
        finally:
            logger.removeHandler(handler)
        if run.status == JobStatus.SKIPPED:
            raise CommandError("Another refresh is running; try again when it finishes.")
        self.stdout.write(self.style.SUCCESS(f"Metrics of {chosen.slug} refreshed."))
