"""What feedback tells the apps above it, which it may not import: new items were stored.

Apps above feedback (research indexes them for search) connect a receiver to
``feedback_imported`` from their ``AppConfig.ready()``. It is sent inside the ingest's
transaction, so what a receiver writes is kept or rolled back with the items themselves.
"""

from django.dispatch import Signal

# Sent with ``workspace`` and ``item_ids`` (the ids of the items the ingest created, ascending)
# after every ingest that created at least one: the API, the form, imports and the sandbox.
feedback_imported = Signal()
