"""Real data kept outside the repository (../shared/data, read-only, never committed), and the
small planted-themes fixture that is committed. Tests that need the real file skip with the
reason when it is absent; benchmarks stop with it."""

import csv
import datetime as dt
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REVIEWS = "app_reviews_labelled_8000.xlsx"
PLANTED = ROOT / "greenroom/tests/data/feedback_planted_themes.csv"


def shared_data_dir() -> Path:
    """GREENROOM_SHARED_DATA if set, else ../shared/data beside the repository."""
    return Path(os.environ.get("GREENROOM_SHARED_DATA") or ROOT.parent / "shared" / "data")


def labelled_reviews_path() -> Path | None:
    """The labelled app-review file, or None when this machine does not have it."""
    path = shared_data_dir() / REVIEWS
    return path if path.is_file() else None


def labelled_reviews() -> tuple[list[str], list[str]]:
    """The 8,000 reviews (original ``review`` column, not the pre-processed ones) and labels."""
    import openpyxl

    path = labelled_reviews_path()
    if path is None:
        raise FileNotFoundError(f"{REVIEWS} not found in {shared_data_dir()}")
    book = openpyxl.load_workbook(path, read_only=True)
    rows = book.active.iter_rows(values_only=True)
    header = [str(cell) for cell in next(rows)]
    review, label = header.index("review"), header.index("label")
    texts, labels = [], []
    for row in rows:
        texts.append("" if row[review] is None else str(row[review]))
        labels.append(str(row[label]))
    book.close()
    return texts, labels


def planted_feedback() -> tuple[list[str], list[str], list[dt.date]]:
    """The committed fixture: 300 items, six planted themes, a date each."""
    with PLANTED.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return (
        [row["text"] for row in rows],
        [row["theme"] for row in rows],
        [dt.date.fromisoformat(row["date"]) for row in rows],
    )
