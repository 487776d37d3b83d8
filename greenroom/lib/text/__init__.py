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

from greenroom.lib.text.duplicates import duplicate_groups, near_duplicates
from greenroom.lib.text.normalise import MAX_ANALYSIS_CHARS, analysis_text, analysis_texts
from greenroom.lib.text.suggest import SuggesterReport, TagSuggester
from greenroom.lib.text.themes import Theme, Themes, cluster_themes

__all__ = [
    "MAX_ANALYSIS_CHARS",
    "SuggesterReport",
    "TagSuggester",
    "Theme",
    "Themes",
    "analysis_text",
    "analysis_texts",
    "cluster_themes",
    "duplicate_groups",
    "near_duplicates",
]
