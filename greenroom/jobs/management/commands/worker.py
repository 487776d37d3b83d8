from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.module_loading import autodiscover_modules
from huey.contrib import djhuey

from greenroom.jobs.worker import consumer_options, flush_job_locks, prepare


class Command(BaseCommand):
    help = (
        "Run background-job workers and the periodic scheduler until stopped (Ctrl-C or "
        "SIGINT finishes running jobs first; SIGTERM stops at once). Needed when "
        "GREENROOM_JOBS_URL points at Redis; by default 'greenroom serve' starts one itself."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Worker threads in this process (default GREENROOM_JOBS_WORKERS, else 2).",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help=(
                "Do not start periodic jobs from this process. Run exactly one worker with the "
                "scheduler: each scheduler starts every periodic job."
            ),
        )
        parser.add_argument(
            "--flush-locks",
            action="store_true",
            help=(
                "Release job locks left by a worker that was killed mid-job. Only when no other "
                "worker is running."
            ),
        )

    def handle(self, *args, workers: int | None, no_scheduler: bool, flush_locks: bool, **options):
        if settings.JOBS_IMMEDIATE:
            raise CommandError(
                "GREENROOM_JOBS_IMMEDIATE is on: jobs run in the process that starts them, so "
                "there is no queue to work on."
            )
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1.")
        queue = "Redis" if settings.JOBS_URL else "the SQLite queue in the data folder"
        self.stdout.write(f"Working on {queue}; Ctrl-C stops after running jobs finish.")
        huey = djhuey.HUEY
        autodiscover_modules("tasks")
        prepare(huey)
        if flush_locks:
            flushed = flush_job_locks(huey)
            self.stdout.write(f"Released {len(flushed)} job lock(s).")
        # Connections opened while starting must not be shared with the worker threads.
        connections.close_all()
        consumer = huey.create_consumer(
            **consumer_options(workers=workers, periodic=not no_scheduler)
        )
        # Consumer.run() owns the main thread and its signals until it is stopped.
        consumer.run()
