"""A reader process for the refresh-while-reading test: reads the published metrics until told
to stop, as a web worker would, and prints what it saw as JSON.

    python -m greenroom.metrics.tests.snapshot_reader WORKSPACE_ID STOP_FILE
"""

import json
import os
import sys
import time
import traceback
from pathlib import Path

import django


def main(workspace_id: int, stop_file: Path) -> dict:
    from greenroom.metrics import store

    seen: dict[str, list] = {}
    reads, errors = 0, []
    while not stop_file.exists():
        try:
            with store.reader(workspace_id) as connection:
                refresh_id, as_of = connection.execute(
                    "SELECT refresh_id, as_of FROM meta.refreshes ORDER BY finished_at DESC LIMIT 1"
                ).fetchone()
                period, total = connection.execute(
                    "SELECT period, round(sum(mrr), 2) FROM rollup.revenue_accounts "
                    "GROUP BY period ORDER BY period DESC LIMIT 1"
                ).fetchone()
            seen[refresh_id] = [str(as_of), str(period), float(total)]
            reads += 1
            if reads == 1:
                # Tell the test this reader is reading (starting Python and Django can take
                # longer than the refreshes on a loaded machine).
                stop_file.with_name(f"ready-{os.getpid()}").touch()
        except Exception:
            errors.append(traceback.format_exc(limit=3))
        time.sleep(0.01)
    return {"reads": reads, "errors": errors[:5], "error_count": len(errors), "seen": seen}


if __name__ == "__main__":
    django.setup()
    print(json.dumps(main(int(sys.argv[1]), Path(sys.argv[2]))))
