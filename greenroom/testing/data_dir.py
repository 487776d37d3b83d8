"""Where a test's files go: a data folder of its own, so no test reads another's uploads or
analytics store, and none touches the demo's ./data."""

from pathlib import Path
from typing import Any


def data_dir_settings(data_dir: Path) -> dict[str, Any]:
    """The settings that place uploads, the analytics store and imports under ``data_dir``
    (whose scratch folder for uploads is made here, as Django expects it to exist)."""
    (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    return {
        "DATA_DIR": data_dir,
        "MEDIA_ROOT": data_dir / "uploads",
        "ANALYTICS_DIR": data_dir / "analytics",
        "SOURCES_FILE_ROOTS": [data_dir / "imports"],
        "FILE_UPLOAD_TEMP_DIR": str(data_dir / "tmp"),
    }
