"""The customer database's own words in imported values: CRM lifecycle labels, and other
names people use for outreach kinds, outcomes and research kinds. Generic values (yes/no,
numbers, amounts, dates, emails, countries) are read by ``greenroom.lib.imports.values``."""

from greenroom.customers.choices import LifecycleStage, OutreachKind, OutreachOutcome

_LIFECYCLE_WORDS = (
    ("former", LifecycleStage.CHURNED),
    ("churn", LifecycleStage.CHURNED),
    ("customer", LifecycleStage.CUSTOMER),
    ("trial", LifecycleStage.TRIAL),
    ("opportunity", LifecycleStage.PROSPECT),
    ("prospect", LifecycleStage.PROSPECT),
    ("qualified", LifecycleStage.PROSPECT),
    ("lead", LifecycleStage.LEAD),
    ("subscriber", LifecycleStage.LEAD),
)


def as_lifecycle(value: str) -> str:
    """CRM lifecycle labels (Salesforce 'Customer - Direct', HubSpot 'customer') → ours."""
    lowered = value.strip().lower()
    if not lowered:
        return LifecycleStage.CUSTOMER
    for word, stage in _LIFECYCLE_WORDS:
        if word in lowered:
            return stage
    return LifecycleStage.OTHER


OUTREACH_KIND_ALIASES = {
    "prototype": OutreachKind.PROTOTYPE_TEST,
    "usabilitytest": OutreachKind.PROTOTYPE_TEST,
    "beta": OutreachKind.BETA_INVITE,
    "interviews": OutreachKind.INTERVIEW,
    "surveys": OutreachKind.SURVEY,
}
OUTCOME_ALIASES = {"noreply": OutreachOutcome.NO_RESPONSE, "done": OutreachOutcome.COMPLETED}
RESEARCH_KIND_ALIASES = {
    "interview": "interview",
    "survey": "survey",
    "prototype": "prototype_test",
    "prototypetest": "prototype_test",
    "betas": "beta",
    "betainvite": "beta",
}
