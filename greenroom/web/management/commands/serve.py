import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi

from greenroom.jobs.worker import uses_embedded_worker
from greenroom.lib.staticfiles import static_collect

# The longest path a Unix socket can have on Linux (sun_path is 108 bytes with its NUL).
UNIX_SOCKET_PATH_MAX = 107


class QuietResponse(wsgi.Response):
    """gunicorn's response without the ``Server: gunicorn`` banner, which no setting removes."""

    def default_headers(self) -> list[str]:
        return [line for line in super().default_headers() if not line.startswith("Server:")]


class GreenroomServer(BaseApplication):
    """gunicorn run from Python, so `greenroom serve` needs no separate config file."""

    def __init__(self, options: dict):
        self.options = options
        # gunicorn builds every HTTP/1 response through this module attribute; workers fork
        # from this process and inherit it.
        wsgi.Response = QuietResponse
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from django.urls import get_resolver

        from greenroom.wsgi import application

        # Loaded once in the master (preload_app) and shared by the forked workers: the URL
        # configuration imports the API and the analytics libraries, which took a new
        # worker's first request several seconds.
        get_resolver().url_patterns  # noqa: B018
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
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("GREENROOM_WEB_WORKERS", "0")) or _default_workers(),
            help="web worker processes (default: GREENROOM_WEB_WORKERS, else one per core, "
            "at least 2)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("GREENROOM_WEB_THREADS", "4")),
            help="threads per web worker (default: GREENROOM_WEB_THREADS, else 4)",
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start a job worker")

    def handle(self, *args, **options):
        static_collect()
        worker = None
        if uses_embedded_worker() and not options["no_worker"]:
            # A child process, not a thread of gunicorn's master: forking web workers from a
            # process with running threads can deadlock them. It is the only worker of the
            # embedded queue, so locks left by a crashed predecessor are safe to clear.
            worker = subprocess.Popen(
                [sys.executable, "-m", "greenroom.cli", "worker", "--flush-locks"]
            )
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Serving Greenroom on http://{bind}/ (Ctrl+C stops it)")
        try:
            GreenroomServer(
                {
                    "bind": bind,
                    "workers": options["workers"],
                    "worker_class": "gthread",
                    "threads": options["threads"],
                    "preload_app": True,
                    "post_fork": _after_fork,
                    "worker_exit": _before_exit,
                    # Longer than a person's pause between clicks, so a kept-alive connection
                    # is not closed just as the browser sends the next request on it.
                    "keepalive": 5,
                    "accesslog": "-",
                    "timeout": 60,
                    **self._control_socket(options["port"]),
                }
            ).run()
        finally:
            if worker is not None:
                _stop_gracefully(worker)

    def _control_socket(self, port: int) -> dict:
        """gunicorn's control socket (for ``gunicornc``) in the data folder, one per instance.

        gunicorn's default is one path per user, so a second instance on the machine took the
        socket over and ``gunicornc`` then steered the wrong server.
        """
        path = Path(settings.DATA_DIR) / f"gunicorn-{port}.ctl"
        if len(os.fsencode(path)) > UNIX_SOCKET_PATH_MAX:
            self.stdout.write(f"No control socket: the path {path} is too long for one.")
            return {"control_socket_disable": True}
        path.parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Control socket for gunicornc: {path}")
        return {"control_socket": str(path), "control_socket_mode": 0o600}


def _after_fork(server, worker) -> None:
    # Connections the master opened while loading the application belong to it alone.
    from django.db import connections

    from greenroom.jobs.worker import after_fork

    connections.close_all()
    after_fork()


def _before_exit(server, worker) -> None:
    # DuckDB's threads must stop before the interpreter tears down, or the process aborts.
    from greenroom.metrics import store

    store.close_open_snapshots()


def _default_workers() -> int:
    # Each process runs Python on one core at a time; threads cover the waits on the
    # databases. One process per core, and two at least so a slow request never blocks all.
    return max(2, len(os.sched_getaffinity(0)))


def _stop_gracefully(worker: subprocess.Popen) -> None:
    # SIGINT lets running jobs finish; SIGTERM would cut them off and record them as failed.
    worker.send_signal(signal.SIGINT)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        worker.kill()
