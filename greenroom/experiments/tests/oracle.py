"""Calls the gbstats oracle (gbstats_oracle.py in its own environment) from the tests."""

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("gbstats_oracle.py")
PYTHON = Path(os.environ.get("GREENROOM_GBSTATS_PYTHON", ROOT / "var/gbstats-venv/bin/python"))


def gbstats(cases: list[dict]) -> list[dict]:
    """gbstats 0.8.0's results for ``cases``, in one process; fails if the oracle is missing."""
    if not PYTHON.exists():
        pytest.fail(
            f"The gbstats oracle is missing ({PYTHON}): build it with `make gbstats-oracle` "
            "(or `make test`, which builds it first).",
            pytrace=False,
        )
    completed = subprocess.run(
        [str(PYTHON), str(SCRIPT)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if completed.returncode:
        pytest.fail(f"The gbstats oracle failed:\n{completed.stderr}", pytrace=False)
    return json.loads(completed.stdout)
