"""Role checks shared by views and API handlers.

Roles are ranked (viewer < product manager < product ops < admin). Abilities name what a
handler needs rather than a role, so the mapping can change in one place.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from greenroom.accounts.choices import Role

# One ability per capability, each named for what it allows, so a company could later give
# one of them to another role without touching a view; several map to the same role today.
ABILITIES: dict[str, str] = {
    "view": Role.VIEWER,
    "write": Role.PRODUCT_MANAGER,
    "view_contact_details": Role.PRODUCT_MANAGER,
    # Teams, people, the portfolio, markets, segments, plans and the organisation document.
    "manage_organisation": Role.PRODUCT_OPS,
    # Adding, changing, uploading to and syncing data sources.
    "manage_sources": Role.PRODUCT_OPS,
    # CRM imports (files and the upsert API) and the list of past imports.
    "import_customers": Role.PRODUCT_OPS,
    # Finding and merging duplicate accounts and contacts.
    "merge_customers": Role.PRODUCT_OPS,
    # Per-account contact rules (tell the owner before anyone contacts its people).
    "set_contact_rules": Role.PRODUCT_OPS,
    # Privacy requests: erasing a contact's personal data and their subject access export.
    "handle_privacy_requests": Role.PRODUCT_OPS,
    # Cadences: raising a question for someone to decide, and recording a decision (only
    # its named decider does, checked by identity on top of this).
    "raise_decision": Role.PRODUCT_MANAGER,
    "record_decision": Role.PRODUCT_MANAGER,
    # Recording what came of any decision (its decider records their own with the above).
    "review_outcomes": Role.PRODUCT_OPS,
    # Action items agreed at a review.
    "record_action_items": Role.PRODUCT_MANAGER,
    # Playbook templates, process guides and the tool stack (its seat exports too).
    "manage_playbook": Role.PRODUCT_OPS,
    # Cadences: recurrence, attendees, agenda and required inputs.
    "manage_cadences": Role.PRODUCT_OPS,
    # PM onboarding programmes and who follows them (the new PM ticks their own steps).
    "manage_onboarding": Role.PRODUCT_OPS,
    # The baseline each scorecard measure is compared against.
    "set_scorecard_baselines": Role.PRODUCT_OPS,
    # The monthly pulse of the product team (time on strategic vs operational work).
    "answer_pulse": Role.PRODUCT_MANAGER,
    # Feedback: triage (tags, areas, duplicates, highlights, opportunities, telling people
    # who asked that it shipped), the shared taxonomy, imports and prioritisation weights.
    "triage_feedback": Role.PRODUCT_MANAGER,
    "manage_taxonomy": Role.PRODUCT_OPS,
    "import_feedback": Role.PRODUCT_OPS,
    "set_priority_weights": Role.PRODUCT_OPS,
    "do_research": Role.PRODUCT_MANAGER,
    # Strategic intents, initiatives and any team's objectives and key results.
    "manage_strategy": Role.PRODUCT_OPS,
    # Objectives, key results and check-ins of the member's own team (strategy/permissions.py
    # adds the team check: the role alone is not enough).
    "edit_team_goals": Role.PRODUCT_MANAGER,
    # Roadmap items of the member's own team (the team check is in strategy's views).
    "edit_team_roadmap": Role.PRODUCT_MANAGER,
    # The roadmap template (columns, required fields, scoring), any team's roadmap, the
    # adherence page and snapshots.
    "manage_roadmaps": Role.PRODUCT_OPS,
    # Registering, designing, starting and deciding experiments; viewers read them.
    "manage_experiments": Role.PRODUCT_MANAGER,
    # Beta programmes: opening them, moving their stage, the waitlist, inviting consenting
    # contacts (logged as outreach) and exporting the participant list for a feature flag.
    "manage_betas": Role.PRODUCT_MANAGER,
    # Launches: planning one, ticking its checklist with evidence, the go/no-go call.
    "manage_launches": Role.PRODUCT_MANAGER,
    # The launch checklist templates every launch starts from.
    "edit_launch_templates": Role.PRODUCT_OPS,
    "manage_users": Role.ADMIN,
    # The workspace's name and brand colour (the board pack and digests wear them).
    "manage_workspace": Role.ADMIN,
    # The workspace's job runs and sync history: product ops connect the systems and must see
    # how their syncs ran. Install-wide runs stay with superusers (jobs/selectors.py).
    "view_jobs": Role.PRODUCT_OPS,
    "view_audit_log": Role.ADMIN,
    # The dashboards (revenue, cost, usage by product, segment and market) and "explain this
    # number": every member reads the company's numbers, as on the Metrics page.
    "view_dashboards": Role.VIEWER,
    # The executive headline as the top of the home page: for the people who run the company
    # and its data (admins, product ops); others keep the home page as it was.
    "see_executive_home": Role.PRODUCT_OPS,
    "view_data_health": Role.PRODUCT_OPS,
    "view_findings": Role.VIEWER,
    "dismiss_findings": Role.PRODUCT_OPS,
    # Writing the quarter's board pack (PowerPoint and PDF) and downloading past ones.
    "make_board_pack": Role.PRODUCT_OPS,
    # Composing custom dashboards from tiles and publishing them to teams (their members
    # read them; dashboards/custom.py).
    "manage_dashboards": Role.PRODUCT_OPS,
}


def can(request: HttpRequest, ability: str) -> bool:
    """Whether the signed-in member of the request's workspace has ``ability``."""
    membership = getattr(request, "membership", None)
    return membership is not None and membership.has_role(ABILITIES[ability])


def require(request: HttpRequest, ability: str) -> None:
    """Raise PermissionDenied unless the request may do ``ability``."""
    if not can(request, ability):
        raise PermissionDenied(f"Your role does not allow this ({ability.replace('_', ' ')}).")


def ability_required(ability: str) -> Callable:
    """View decorator: signed in, a member of the workspace, and allowed ``ability``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            require(request, ability)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
