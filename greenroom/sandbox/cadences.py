"""The sandbox's cadences: a year of reviews with their decisions (realistic times to
decision, a few reopened, a few still pending) and action items, the playbook's templates and
guides, and a tool stack with a redundant pair and a replaced tool. Everything goes through
the cadences app's own services, as a user's would."""

import random
from datetime import UTC, datetime, timedelta

from greenroom.accounts.models import AuditEvent, User, Workspace
from greenroom.cadences import selectors, services
from greenroom.cadences.choices import OutcomeVerdict, TemplateKind
from greenroom.cadences.models import Cadence, Occurrence
from greenroom.organisation.models import Person

CADENCES = [
    # name, rule, weekday of the first one (0 = Monday), hour UTC, decisions per occurrence
    ("Monthly portfolio review", "FREQ=MONTHLY;BYDAY=1TU", 1, 9, (1, 3)),
    ("Quarterly business review", "FREQ=MONTHLY;INTERVAL=3;BYDAY=2WE", 2, 13, (2, 4)),
    ("Weekly product check-in", "FREQ=WEEKLY;BYDAY=MO", 0, 8, (0, 0)),
]
QUESTIONS = [
    "Sunset the legacy Starter plan?",
    "Enter the Japanese market this year?",
    "Move reporting to usage-based pricing?",
    "Build SSO in-house or buy it?",
    "Pause the mobile app redesign?",
    "Which segment gets the next beta first?",
    "Raise the Growth plan price by 8%?",
    "Consolidate the two onboarding flows?",
    "Fund a second data engineer for the warehouse?",
    "Drop the on-premise edition?",
    "Make the analytics add-on part of Enterprise?",
    "Open a support desk in APAC?",
]
OPTIONS = [["Yes", "No", "Revisit next quarter"], ["Option A", "Option B"], ["Go", "No go"]]
TOOLS = [
    # name, category, purpose, why chosen, annual cost, seats
    (
        "Jira",
        "delivery",
        "Delivery backlog and sprints",
        "Engineering already runs on it.",
        18000,
        40,
    ),
    ("Linear", "delivery", "Design team's issue tracker", "Chosen by design for speed.", 4800, 12),
    ("Trello", "delivery", "Team boards", "Free tier, in 2021.", 0, 25),
    (
        "Productboard",
        "roadmapping",
        "Roadmaps and feedback triage",
        "Links feedback to roadmap items.",
        24000,
        15,
    ),
    ("Amplitude", "analytics", "Product analytics", "Self-serve funnels for PMs.", 36000, 30),
    ("Dovetail", "research", "Research repository", "Tagging interviews at scale.", 9000, 8),
]


def _users(workspace: Workspace) -> dict[str, User]:
    return {u.email.split("@")[0]: u for u in User.objects.filter(memberships__workspace=workspace)}


def sandbox_cadences(*, workspace: Workspace, seed: int, now: datetime | None = None) -> dict:
    """Build the cadences part of the sandbox; returns counts for the progress line."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    users = _users(workspace)
    ops, pm, admin = users["ops"], users["pm"], users["admin"]
    _playbook(workspace, ops)
    _tools(workspace, ops, users, now)
    year_ago = now - timedelta(days=365)
    counts = {"decisions": 0, "reopened": 0, "occurrences": 0}
    for name, rule, weekday, hour, per in CADENCES:
        start = (year_ago + timedelta(days=(weekday - year_ago.weekday()) % 7)).replace(
            hour=hour, minute=0, second=0, microsecond=0
        )
        cadence = services.cadence_save(
            workspace=workspace,
            actor=ops,
            name=name,
            rrule=rule,
            starts_at=start,
            attendees=[ops, pm, admin],
            agenda=_agenda(name),
            required_inputs=["KPI snapshot", "Roadmap changes", "Top feedback themes"],
            now=now,
        )
        counts["occurrences"] += services.occurrences_generate(
            cadence=cadence, now=now, since=start
        )
        _decisions(workspace, cadence, rng, now, per, (ops, pm, admin), counts)
    return counts


def _agenda(name: str) -> str:
    return (
        f"# {name}\n\n1. KPIs against last time (5 min)\n2. Roadmap changes (10 min)\n"
        "3. Decisions pending (20 min)\n4. Action items (5 min)\n"
    )


def _playbook(workspace: Workspace, ops: User) -> None:
    for kind in TemplateKind.values:
        sections = services.DEFAULT_SECTIONS[kind]
        body = "\n\n".join(f"## {section}\n\n_What goes here._" for section in sections)
        services.template_save(
            workspace=workspace,
            actor=ops,
            kind=kind,
            body=f"# {TemplateKind(kind).label}\n\n{body}",
        )
    # The PRD went through a second version.
    prd = services.DEFAULT_SECTIONS[TemplateKind.PRD]
    services.template_save(
        workspace=workspace,
        actor=ops,
        kind=TemplateKind.PRD,
        body="# PRD\n\n"
        + "\n\n".join(f"## {s}\n\nWrite it for a reader new to the area." for s in prd)
        + "\n\n## Open questions\n",
    )
    services.guide_save(
        workspace=workspace,
        actor=ops,
        title="How we run the portfolio review",
        body="# Before\n\nThe pack builds itself two days before.\n\n"
        "# During\n\nDecisions first, status last.\n",
    )
    services.guide_save(
        workspace=workspace,
        actor=ops,
        title="Raising a decision",
        body="Name **one** decider, write the options, link the evidence.\n",
    )


def _tools(workspace: Workspace, ops: User, users: dict[str, User], now: datetime) -> None:
    made = {}
    for name, category, purpose, why, cost, seats in TOOLS:
        made[name] = services.tool_save(
            workspace=workspace,
            actor=ops,
            name=name,
            category=category,
            purpose=purpose,
            why_chosen=why,
            annual_cost=cost,
            currency="USD",
            seats=seats,
            owner=ops,
            renewal_date=(now + timedelta(days=30 + 40 * len(made))).date(),
        )
    services.tool_replace(
        old=made["Trello"],
        new=made["Jira"],
        actor=ops,
        reason="One backlog for product and engineering; Trello boards were "
        "out of date within a sprint.",
        retired_on=(now - timedelta(days=200)).date(),
    )
    # Seat logins: the demo sign-ins, the company's people (most have no Greenroom login, so
    # the import lists them as unknown users) and a contractor.
    people = list(
        Person.objects.for_workspace(workspace).exclude(email="").values_list("email", flat=True)
    )
    emails = [u.email for u in users.values()] + people + ["contractor@agency.example"]
    for name, active_share in (("Jira", 0.8), ("Productboard", 0.45), ("Linear", 0.3)):
        tool = made[name]
        rows = ["email,last login"]
        for index, email in enumerate(emails[: tool.seats]):
            days = 2 + index % 20 if index < active_share * tool.seats else 45 + index % 60
            rows.append(f"{email},{(now - timedelta(days=days)).date().isoformat()}")
        services.tool_seats_import(
            tool=tool, actor=ops, name=f"{name.lower()}-seats.csv", data="\n".join(rows).encode()
        )


def _record(question: str, options: list[str]) -> str:
    """A short decision record in the playbook's sections (the template's placeholder text
    would list nothing as missing but say nothing either)."""
    listed = "\n".join(f"- {option}" for option in options)
    return (
        f"## Question\n\n{question}\n\n## Options\n\n{listed}\n\n## Evidence\n\n"
        "Interview notes and the last quarter's churn.\n\n## Decision\n\nTo be taken at "
        "the review.\n\n## Rationale\n\nWritten by the decider.\n"
    )


def _decisions(workspace, cadence: Cadence, rng, now, per, people, counts) -> None:
    ops, pm, admin = people
    low, high = per
    template = selectors.template_for(workspace=workspace, kind=TemplateKind.DECISION_RECORD)
    for occurrence in cadence.occurrences.filter(starts_at__lt=now):
        for _ in range(rng.randint(low, high)):
            decider = rng.choice([ops, pm, admin])
            raised = occurrence.starts_at - timedelta(days=rng.uniform(0, 5))
            question, options = rng.choice(QUESTIONS), rng.choice(OPTIONS)
            decision = services.decision_raise(
                workspace=workspace,
                actor=rng.choice([pm, ops]),
                decider=decider,
                question=question,
                options=options,
                occurrence=occurrence,
                raised_at=raised,
                consulted=[ops, pm],
                record=_record(question, options),
                record_template=template,
            )
            counts["decisions"] += 1
            # Times to decision: lognormal, median about 6 days, a long tail past a month.
            decided = raised + timedelta(days=rng.lognormvariate(1.8, 0.7))
            if decided > now:
                continue  # still pending
            services.decision_add_evidence(
                decision=decision,
                actor=decision.raised_by,
                kind="url",
                reference="https://wiki.harbor.example/research/" + str(decision.pk),
                label="Interview notes behind the question",
            )
            _decide(decision, decider, decided, rng)
            if rng.random() < 0.08 and decided + timedelta(days=10) < now:
                counts["reopened"] += 1
                services.decision_reopen(
                    decision=decision,
                    actor=pm,
                    reason="New churn figures.",
                    reopened_at=decided + timedelta(days=7),
                )
                again = decided + timedelta(days=7 + rng.uniform(2, 10))
                if again < now:
                    _decide(decision, decider, again, rng)
            _review(decision, now)
        if occurrence.starts_at < now - timedelta(days=7) and rng.random() < 0.7:
            item = services.action_item_add(
                occurrence=occurrence,
                actor=ops,
                title="Share the decision with the teams",
                owner=rng.choice([ops, pm]),
                due=(occurrence.starts_at + timedelta(days=7)).date(),
            )
            if rng.random() < 0.85:
                services.action_item_complete(item=item, actor=ops)
    # One question the ops lead has let wait: shown on their home page.
    if cadence.name.startswith("Monthly"):
        services.decision_raise(
            workspace=workspace,
            actor=pm,
            decider=ops,
            question="Retire the legacy reporting export?",
            options=["Retire", "Keep"],
            raised_at=now - timedelta(days=24),
        )
        counts["decisions"] += 1


# Outcomes, by the decision's id so the sandbox's random draws stay as they were: most
# decisions set a review two months on, and most of those past are reviewed; the rest stay
# due, for the decision log's filter and the deciders' home pages.
OUTCOME_VERDICTS = [
    OutcomeVerdict.AS_EXPECTED,
    OutcomeVerdict.BETTER,
    OutcomeVerdict.AS_EXPECTED,
    OutcomeVerdict.WORSE,
    OutcomeVerdict.TOO_EARLY,
    OutcomeVerdict.AS_EXPECTED,
]
REVIEW_AFTER = timedelta(days=60)


def _decide(decision, decider, at, rng) -> None:
    reviewed = decision.pk % 5 != 0
    services.decision_decide(
        decision=decision,
        actor=decider,
        option=rng.choice(list(decision.options.all())),
        rationale="The evidence favours it; revisit if churn moves.",
        decided_at=at,
        expected_outcome="Churn in the segment falls within two quarters." if reviewed else "",
        review_on=(at + REVIEW_AFTER).date() if reviewed else None,
    )


def _review(decision, now) -> None:
    """Record the outcome of a decision in force whose review has passed, most of the time."""
    decision.refresh_from_db(fields=["status", "decided_at"])
    episode = decision.current_episode()
    if episode is None or episode.review_on is None or decision.pk % 7 == 0:
        return
    at = datetime.combine(episode.review_on, datetime.min.time(), tzinfo=UTC) + timedelta(days=3)
    if at < now:
        services.decision_outcome_record(
            decision=decision,
            actor=decision.decider,
            verdict=OUTCOME_VERDICTS[decision.pk % len(OUTCOME_VERDICTS)],
            note="Read from the churn dashboard at the review.",
            recorded_at=at,
        )


# The roadmap moves the sandbox's roadmaps make (sandbox/roadmaps.py), each with the question
# whose decision caused it.
CAUSED_MOVES = [
    ("Board templates", "Bring board templates forward to Now?", "Yes, this quarter"),
    ("Custom roles", "Start custom roles next quarter?", "Yes, after board templates"),
]


def sandbox_decision_changes(*, workspace: Workspace, now: datetime | None = None) -> int:
    """Decisions of the last portfolio review that caused the roadmaps' moves, each linked to
    its move (run after the roadmaps are built); how many links."""
    now = now or datetime.now(UTC)
    users = _users(workspace)
    review = (
        Occurrence.objects.for_workspace(workspace)
        .filter(cadence__name="Monthly portfolio review", starts_at__lt=now)
        .order_by("-starts_at")
        .first()
    )
    linked = 0
    for title, question, chosen in CAUSED_MOVES:
        move = (
            AuditEvent.objects.filter(
                workspace=workspace, action="roadmap_item.move", object_label=title
            )
            .order_by("-at")
            .first()
        )
        if move is None or review is None:
            continue
        decision = services.decision_raise(
            workspace=workspace,
            actor=users["pm"],
            question=question,
            decider=users["ops"],
            options=[chosen, "No, keep the plan"],
            occurrence=review,
            raised_at=min(review.starts_at, move.at - timedelta(days=1)),
        )
        services.decision_decide(
            decision=decision,
            actor=users["ops"],
            option=decision.options.first(),
            rationale="The portfolio review weighed the demand behind it against the plan.",
            decided_at=move.at - timedelta(hours=2),
        )
        services.decision_link_change(decision=decision, actor=users["ops"], change_id=move.pk)
        linked += 1
    return linked
