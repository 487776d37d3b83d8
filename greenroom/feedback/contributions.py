"""What feedback adds to the shell: the inbox, opportunities and logging feedback in the
sidebar, a card on the Customers & research overview, three scorecard measures, a section of
the account page, the top themes of a review's pre-read pack, and finding feedback and
opportunities from the search box. The card, the turnaround measure and the pack section take
the keys of the stand-ins customers and cadences kept for them."""

from greenroom import registry
from greenroom.feedback import selectors
from greenroom.feedback.models import FeedbackImport
from greenroom.jobs.labels import argument_label_register
from greenroom.registry import (
    EvidenceKind,
    Measure,
    NavEntry,
    OverviewCard,
    PackSection,
    Panel,
    SearchProvider,
)

registry.register(
    EvidenceKind(
        key="opportunity", title="Opportunity", weight=200, resolve=selectors.evidence_resolve
    ),
    NavEntry("customers", "Feedback inbox", "feedback:inbox", weight=42),
    NavEntry("customers", "Opportunities", "feedback:opportunities", weight=44),
    NavEntry("customers", "Log feedback", "feedback:log", weight=46, ability="write"),
    NavEntry("customers", "Feedback taxonomy", "feedback:tags", weight=48),
    NavEntry("customers", "Feedback themes", "feedback:themes", weight=49),
    OverviewCard(
        key="feedback",
        section="customers",
        title="Feedback",
        weight=200,
        description="Requests and problems from sales, support, surveys and app stores, linked "
        "to the account that raised them and counted by revenue on each opportunity.",
        template="feedback/_overview_card.html",
        context=lambda request: selectors.overview(workspace=request.workspace),
    ),
    Measure(
        key="feedback-volume",
        title="Feedback tied to a customer",
        explanation="Of the feedback of the last 90 days (its volume is the second figure), the "
        "share matched to an account, and so to its revenue and segment.",
        weight=590,
        compute=selectors.volume_matched,
    ),
    Measure(
        key="feedback-triaged",
        title=f"Feedback triaged within {selectors.TRIAGE_DAYS} days",
        explanation=f"Items of the last 90 days triaged, archived or merged within "
        f"{selectors.TRIAGE_DAYS} days of arriving.",
        weight=595,
        compute=selectors.triaged_in_time,
    ),
    Measure(
        key="feedback-to-insight",
        title="Feedback-to-opportunity turnaround",
        explanation=f"Feedback linked to an opportunity within {selectors.TURNAROUND_DAYS} days "
        "of arriving (items of the last 180 days, archived and merged ones left out).",
        weight=600,
        compute=selectors.linked_in_time,
    ),
    Panel(
        page="customers.account",
        title="Feedback and opportunities",
        template="feedback/_account_panel.html",
        context=lambda request, account: selectors.for_account(
            workspace=request.workspace, account=account
        ),
        weight=10,
    ),
    SearchProvider(key="feedback", title="Feedback", search=selectors.search, weight=300),
    # A review's pre-read pack (cadences): under the key of the stand-in cadences kept for it.
    PackSection(
        key="feedback-themes",
        title="Top feedback themes",
        weight=400,
        template="feedback/_pack_themes.html",
        context=selectors.pack_themes,
    ),
)


def _import_files(workspace, ids: set[int]) -> dict[int, str]:
    rows = FeedbackImport.objects.for_workspace(workspace).filter(pk__in=ids)
    return dict(rows.values_list("pk", "filename"))


argument_label_register(
    job="feedback.import_file", argument="run_id", label="file", namer=_import_files
)
