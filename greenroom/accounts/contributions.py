"""What accounts adds to the shell: the settings pages, who uses the platform on the
scorecard, and recent activity from the audit log on the home page (for those who may read
it)."""

from greenroom import registry
from greenroom.accounts import activity, selectors
from greenroom.accounts.requests import MemberRequest
from greenroom.registry import Measure, NavEntry, OverviewCard

RECENT_EVENTS = 8


def _recent_activity(request: MemberRequest) -> dict:
    events = list(selectors.audit_event_list(workspace=request.workspace)[:RECENT_EVENTS])
    return {"events": activity.describe(events)}


registry.register(
    NavEntry("settings", "Profile & API tokens", "accounts:profile", weight=10),
    NavEntry("settings", "Email preferences", "accounts:email_preferences", weight=12),
    NavEntry("settings", "Workspace", "accounts:workspace", weight=5, ability="manage_workspace"),
    NavEntry("settings", "Users & roles", "accounts:users", weight=20, ability="manage_users"),
    NavEntry("settings", "Audit log", "accounts:audit", weight=40, ability="view_audit_log"),
    Measure(
        key="members-active",
        title="Members active in the last 30 days",
        explanation="Accessibility of the platform: people who signed in recently.",
        weight=200,
        compute=selectors.members_active,
    ),
    OverviewCard(
        key="recent-activity",
        section="home",
        title="Recent activity",
        weight=900,
        template="accounts/_recent_activity.html",
        context=_recent_activity,
        ability="view_audit_log",
        wide=True,
    ),
)
