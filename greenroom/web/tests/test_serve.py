"""`greenroom serve` as an operator runs it: gunicorn, with no Server banner and a control
socket of its own in the data folder."""

import json
import os
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from greenroom.testing.browser_support import served


def test_it_serves_without_naming_the_server_and_with_a_control_socket_of_its_own(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "GREENROOM_DATABASE_URL"}
    env["GREENROOM_DATA_DIR"] = str(tmp_path)

    with served(env, tmp_path / "serve.log") as base_url:
        page = urllib.request.urlopen(f"{base_url}/login/", timeout=10)
        asset = urllib.request.urlopen(f"{base_url}/static/greenroom/greenroom.css", timeout=10)
        socket = _appearing(tmp_path / f"gunicorn-{base_url.rsplit(':', 1)[1]}.ctl")
        mode = socket.stat().st_mode
        stats = _control(socket, "show stats")

    assert page.status == asset.status == 200
    assert page.headers.get("Server") is None
    assert asset.headers.get("Server") is None
    assert stat.S_ISSOCK(mode)
    assert stat.S_IMODE(mode) == 0o600
    assert stats["workers_current"] >= 1


def _appearing(path: Path, seconds: float = 15) -> Path:
    # gunicorn's arbiter opens the control socket once its workers run, so with the
    # application preloaded a worker may answer a moment before the socket exists.
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return path


def _control(socket: Path, command: str) -> dict:
    """Ask the server through its control socket, as an operator would with gunicornc."""
    gunicornc = Path(sys.executable).with_name("gunicornc")
    result = subprocess.run(
        [str(gunicornc), "-s", str(socket), "-c", command, "-j"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
