"""Build the charting bundle ahead of the first dashboard visit (it takes several seconds)."""

from django.core.management.base import BaseCommand

from greenroom.dashboards import assets


class Command(BaseCommand):
    help = "Build the vega/vega-lite/vega-embed bundle the dashboards serve, into the data folder."

    def handle(self, *args, **options) -> None:
        text = assets.bundle()
        self.stdout.write(f"{assets.bundle_path()} ({len(text) // 1024} KB)")
