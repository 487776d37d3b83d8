"""What research does when feedback signals: index newly stored feedback for search, so a
search only reads. Connected at start-up (apps.py); feedback does not import research."""

from django.dispatch import receiver

from greenroom.feedback.signals import feedback_imported
from greenroom.research import search


@receiver(feedback_imported, dispatch_uid="research.feedback_index")
def _feedback_imported(sender, *, workspace, item_ids, **_kwargs) -> None:
    search.feedback_index(workspace=workspace, first=item_ids[0], last=item_ids[-1])
