"""What the dashboards tell the apps above them, which they may not import: a dashboard was
opened (data health counts who uses which dashboard)."""

from django.dispatch import Signal

# Sent with ``workspace``, ``user``, ``role`` and ``dashboard`` (its key) on each full page
# load of a dashboard; a filter change (an htmx request) is the same visit and sends nothing.
dashboard_viewed = Signal()
