"""What metrics adds to the shell: the dashboard in the sidebar."""

from greenroom import registry
from greenroom.registry import NavEntry

registry.register(NavEntry("data", "Metrics", "metrics:dashboard", weight=10))
