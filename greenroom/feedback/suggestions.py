"""The seam to the text engine (``greenroom/lib/text``, being built beside this app):
near-duplicates, themes, and suggested tags and opportunity links for new feedback.

Nothing here learns anything yet. When the engine lands, ``suggest_for`` calls it with the
workspace's items and taxonomy and stores what it proposes as ``Suggestion`` rows (kind tag,
opportunity or duplicate, with the engine's score), and ``themes_refresh`` stores its
clusters as ``Theme`` rows with ``FeedbackItem.theme`` set. Suggestions below the engine's
confidence threshold are not stored, so they are never shown. A person accepts or rejects
each one (``suggestion_decide``); accepting applies it through the ordinary services.
"""

from django.db import transaction
from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.feedback import services
from greenroom.feedback.choices import SuggestionKind, SuggestionState
from greenroom.feedback.models import FeedbackItem, Suggestion


def engine_available() -> bool:
    """Whether ``greenroom.lib.text`` is installed in this build."""
    import importlib.util

    return importlib.util.find_spec("greenroom.lib.text") is not None


def suggest_for(*, workspace: Workspace, items: list[FeedbackItem]) -> int:
    """Store the engine's confident suggestions for ``items``; 0 until the engine exists."""
    if not engine_available():
        return 0
    raise NotImplementedError("Wire greenroom.lib.text here when it lands (see module doc).")


@transaction.atomic
def suggestion_decide(*, actor: User, suggestion: Suggestion, accept: bool) -> Suggestion:
    """Accept (and apply) or reject one suggestion."""
    suggestion.state = SuggestionState.ACCEPTED if accept else SuggestionState.REJECTED
    suggestion.decided_by, suggestion.decided_at = actor, timezone.now()
    suggestion.save(update_fields=["state", "decided_by", "decided_at"])
    if accept and suggestion.kind == SuggestionKind.TAG and suggestion.tag is not None:
        services.items_bulk_update(
            actor=actor,
            workspace=suggestion.item.workspace,
            ids=[suggestion.item_id],
            action="tag",
            tag=suggestion.tag,
        )
    elif accept and suggestion.kind == SuggestionKind.DUPLICATE and suggestion.duplicate_of:
        services.item_mark_duplicate(actor=actor, item=suggestion.item, of=suggestion.duplicate_of)
    elif accept and suggestion.kind == SuggestionKind.OPPORTUNITY and suggestion.opportunity:
        services.highlight_create(
            actor=actor,
            item=suggestion.item,
            opportunity=suggestion.opportunity,
            start=0,
            end=max(len(suggestion.item.text), 1),
        )
    return suggestion
