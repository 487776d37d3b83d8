"""Feedback text analysis that runs offline on CPU: nothing is sent anywhere or downloaded.

The feedback app calls this package (it has no models and imports no Greenroom app):

- :func:`near_duplicates` (``duplicates.py``): pairs of texts whose character n-gram TF-IDF
  cosine reaches a threshold, exact and blocked; :func:`duplicate_groups` joins them.
- :func:`cluster_themes` (``themes.py``): themes labelled by their distinctive terms, with
  member indices, count and a monthly trend when dates are given.
- :class:`TagSuggester` (``suggest.py``): tag or opportunity-link suggestions shown only above a
  threshold calibrated for a target precision; persisted as bytes per workspace.
- :func:`analysis_text` (``normalise.py``): what every step above reads (HTML stripped, encodings
  repaired, truncated); never what is stored or shown.

Method and measured quality: docs/feedback-themes.md; ``benchmarks/feedback.py`` measures it.
"""

import importlib
from typing import Any

# Where each public name lives. Loaded on first use: scikit-learn and SciPy take seconds to
# import, and every process (a command's --help, a web worker) imports this package through
# the apps' registries while most never analyse text.
_HOMES = {
    "MAX_ANALYSIS_CHARS": "normalise",
    "analysis_text": "normalise",
    "analysis_texts": "normalise",
    "duplicate_groups": "duplicates",
    "near_duplicates": "duplicates",
    "SuggesterReport": "suggest",
    "TagSuggester": "suggest",
    "Theme": "themes",
    "Themes": "themes",
    "cluster_themes": "themes",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
