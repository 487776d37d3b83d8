"""The charting library, served from this server (no CDN): vega, vega-lite and vega-embed as
one bundle that vl-convert builds from the copies it ships (``javascript_bundle``).

Building takes several seconds, so the bundle is built once per vl-convert version into the
data folder (``greenroom manage dashboard_assets`` does it ahead of time) and read from there
by every process after that. Nothing is fetched from the network, at build or at run time.
"""

import hashlib
import threading
from importlib.metadata import version as package_version
from pathlib import Path

import vl_convert
from django.conf import settings
from django.http import HttpResponse, HttpResponseBase

from greenroom.dashboards.charts import Chart
from greenroom.lib.exports import export_response

# Vega evaluates expressions with `new Function` unless it is given its interpreter:
# charts.js embeds with `ast: true`, which the Content-Security-Policy (no eval) requires.
VL_VERSION = "6.4"
_lock = threading.Lock()
_memory: dict[str, str] = {}


def version() -> str:
    """The bundle's version in its URL: a new vl-convert gives a new URL (caches stay safe)."""
    return hashlib.sha1(
        f"{package_version('vl-convert-python')}-{VL_VERSION}".encode()
    ).hexdigest()[:10]


def bundle_path() -> Path:
    return Path(settings.DATA_DIR) / "assets" / f"vega-{version()}.js"


def bundle() -> str:
    """The JavaScript bundle (built on first use, then kept on disk and in memory)."""
    key = version()
    if key in _memory:
        return _memory[key]
    with _lock:
        if key not in _memory:
            path = bundle_path()
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                # The stub marks the snippet required; it is optional (the default one sets
                # window.vegaEmbed, window.vega and window.vegaLite).
                text = vl_convert.javascript_bundle(vl_version=VL_VERSION)  # type: ignore[call-arg]
                scratch = path.with_suffix(".tmp")
                scratch.write_text(text, encoding="utf-8")
                scratch.replace(path)  # atomic: a concurrent reader never sees half a file
            _memory[key] = path.read_text(encoding="utf-8")
    return _memory[key]


def render(spec: dict, fmt: str) -> bytes:
    """A chart specification as PNG or SVG, without a browser (at slide width: without a
    page there is no container to fit)."""
    if spec.get("width") == "container":
        spec = {**spec, "width": 720}
    if fmt == "png":
        return vl_convert.vegalite_to_png(spec, vl_version=VL_VERSION, scale=2)
    return vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION).encode("utf-8")


# What every chart offers to download, by format: its rows, then its image.
DOWNLOADS = {"csv": "CSV", "xlsx": "Excel", "png": "PNG", "svg": "SVG"}


def download(chart: Chart, fmt: str, *, filename: str) -> HttpResponseBase:
    """What every chart's download links give: its rows as CSV or Excel (``fmt`` csv, xlsx),
    or its image as PNG or SVG, as an attachment named ``filename``."""
    if fmt == "csv":
        return export_response(chart.table(), filename=filename, format="csv")
    if fmt == "xlsx":
        return export_response(chart.table(), filename=filename, format="xlsx")
    content_type = "image/png" if fmt == "png" else "image/svg+xml"
    response = HttpResponse(render(chart.spec, fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
