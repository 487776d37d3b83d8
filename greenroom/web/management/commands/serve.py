import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


class GreenroomServer(BaseApplication):
    """gunicorn run from Python, so `greenroom serve` needs no separate config file."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from greenroom.wsgi import application

        return application


class Command(BaseCommand):
    help = (
        "Serve Greenroom with gunicorn (static files included, via WhiteNoise). With the "
        "default embedded job queue it also starts a background-job worker beside the web "
        "server; with GREENROOM_JOBS_URL set, run 'greenroom worker' separately."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("GREENROOM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2, help="web worker processes")
        parser.add_argument("--no-worker", action="store_true", help="do not start a job worker")

    def handle(self, *args, **options):
        call_command("collectstatic", interactive=False, verbosity=0)
        worker = None
        if not settings.JOBS_URL and not options["no_worker"]:
            # A child process, not a thread of gunicorn's master: forking web workers from a
            # process with running threads can deadlock them.
            worker = subprocess.Popen([sys.executable, "-m", "greenroom.cli", "worker"])
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Serving Greenroom on http://{bind}/ (Ctrl+C stops it)")
        try:
            GreenroomServer(
                {
                    "bind": bind,
                    "workers": options["workers"],
                    "worker_class": "gthread",
                    "threads": 4,
                    "accesslog": "-",
                    "timeout": 60,
                }
            ).run()
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
