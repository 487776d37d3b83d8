"""The sandbox's research: one interview study per planted feedback theme, participants
reserved through the participant finder, interview transcripts written as Markdown files and
uploaded through the research services (as a researcher would), highlighted passages tagged
from feedback's taxonomy, and an insight per study backed by those passages and by feedback
of the theme. The feedback is indexed for search here, so the first search is quick."""

import random
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from greenroom.accounts.models import User, Workspace
from greenroom.feedback.models import FeedbackItem, Tag
from greenroom.research import services
from greenroom.research.choices import Confidence, NoteKind

# Theme (the sandbox feedback's THEMES keys) -> study question, what interviewees said, the
# insight and how sure the team is.
STUDIES = {
    "Export reports to Excel": (
        "How do finance teams get report figures out of Harbor?",
        "Every Monday I copy the scheduled report into a spreadsheet by hand; "
        "finance lives in Excel.",
        "Finance teams live in spreadsheets: they need scheduled reports exported to Excel, "
        "with the figures intact",
        Confidence.HIGH,
    ),
    "SAML single sign-on": (
        "What blocks enterprise roll-outs after the pilot?",
        "Security will not approve a tool without SAML single sign-on and SCIM provisioning.",
        "Enterprise roll-outs stall at the security review without SAML SSO and SCIM",
        Confidence.HIGH,
    ),
    "Slack integration for notifications": (
        "Where do teams want to hear about task changes?",
        "Nobody reads the email digest; we live in Slack channels all day.",
        "Teams ignore email digests: notifications belong in the Slack channels they work in",
        Confidence.MEDIUM,
    ),
    "Invoices in the customer's language": (
        "What do finance teams outside the US need from invoices?",
        "Our German customers reject invoices that are not in German with the VAT line.",
        "Invoices in English are rejected by customers' accounts payable outside the US",
        Confidence.MEDIUM,
    ),
    "Audit log of permission changes": (
        "What do compliance teams ask of admins?",
        "The auditors ask who changed permissions and when, and we cannot tell them.",
        "Compliance needs an exportable audit trail of permission changes",
        Confidence.LOW,
    ),
}
PARTICIPANTS = 3
FEEDBACK_EVIDENCE = 5


def _transcript(theme: str, said: str, person: str, rng: random.Random) -> str:
    small_talk = rng.choice(["We started ten minutes late.", "Recorded with consent.", ""])
    return (
        f"# Interview: {theme}\n\n{small_talk}\n\n"
        f"**Interviewer:** Walk me through the last time this came up.\n\n"
        f"**{person}:** {said}\n\n"
        f"**Interviewer:** What do you do today instead?\n\n"
        f"**{person}:** A workaround nobody likes. It costs us time every week.\n"
    )


def sandbox_research(
    *, workspace: Workspace, out_dir: Path, seed: int, progress: Callable[[str], None]
) -> None:
    """Studies, transcripts (written as files, then uploaded), highlights and insights."""
    started = time.monotonic()
    rng = random.Random(seed)
    pm = User.objects.filter(
        memberships__workspace=workspace, memberships__role="product_manager"
    ).first()
    if pm is None:
        return
    folder = out_dir / "research"
    folder.mkdir(parents=True, exist_ok=True)
    tags = {t.name: t for t in Tag.objects.for_workspace(workspace)}
    today = timezone.localdate()
    for n, (theme, (question, said, statement, confidence)) in enumerate(STUDIES.items()):
        study = services.study_create(
            actor=pm,
            workspace=workspace,
            title=theme,
            question=question,
            starts_on=today - timedelta(days=60 - 10 * n),
            ends_on=today - timedelta(days=40 - 10 * n),
        )
        offered = services.participants_candidates(study=study, limit=PARTICIPANTS, per_account=1)
        ids = [row["pk"] for row in offered.eligible]
        reserved = services.participants_reserve(actor=pm, study=study, contact_ids=ids).reserved
        highlights = []
        for outreach in reserved:
            contact = outreach.contact
            path = folder / f"study-{study.pk}-{contact.pk}.md"
            path.write_text(_transcript(theme, said, contact.first_name or "Customer", rng))
            body = services.note_text(filename=path.name, raw=path.read_bytes())
            note = services.note_create(
                actor=pm,
                study=study,
                title=f"Interview with {contact}",
                body=body,
                kind=NoteKind.TRANSCRIPT,
                filename=path.name,
                contact=contact,
            )
            theme_tag = [tags[theme]] if theme in tags else []
            highlights.append(
                services.highlight_create(actor=pm, note=note, passage=said, tags=theme_tag)
            )
        # The theme's latest feedback: the insight answers what customers are saying now (the
        # oldest made the scorecard's feedback-to-insight turnaround read two years).
        evidence = list(
            FeedbackItem.objects.for_workspace(workspace)
            .filter(tags__name=theme, account__isnull=False)
            .order_by("-received_at")[:FEEDBACK_EVIDENCE]
        ) or list(
            FeedbackItem.objects.for_workspace(workspace)
            .filter(highlights__opportunity__title=theme)
            .order_by("-received_at")[:FEEDBACK_EVIDENCE]
        )
        services.insight_create(
            actor=pm,
            workspace=workspace,
            statement=statement,
            confidence=confidence,
            study=study,
            highlights=highlights,
            feedback=evidence,
            tags=[tags[theme]] if theme in tags else [],
        )
    progress(
        f"  {len(STUDIES)} studies with transcripts and insights in "
        f"{time.monotonic() - started:.1f} s"
    )
