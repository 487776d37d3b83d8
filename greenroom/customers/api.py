"""The customer database over HTTP: accounts, contacts, consent, outreach, the participant
finder and reservations, imports and privacy requests.

Contact details are masked for roles that may not see them, and every response that shows
them is written to the audit log, exactly as on the pages.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from greenroom.accounts.permissions import require
from greenroom.accounts.requests import MemberRequest
from greenroom.customers import finder, selectors, services
from greenroom.customers.choices import ImportKind
from greenroom.customers.models import Account, Contact, ImportRun, Outreach
from greenroom.customers.privacy import details_for
from greenroom.lib.apierrors import errors
from greenroom.lib.pagination import LimitOffsetPagination

router = Router(tags=["customers"])

Source = Literal["salesforce", "hubspot", "generic"]


class AccountOut(Schema):
    id: int
    name: str
    domain: str
    salesforce_id: str
    hubspot_id: str
    external_id: str
    country: str
    segment: str | None
    market: str | None
    region: str | None
    plan: str | None
    arr: Decimal | None
    arr_source: str
    owner: str | None
    success_manager: str | None
    lifecycle_stage: str
    notify_owner_before_contact: bool
    custom: dict

    @staticmethod
    def resolve_segment(obj: Account) -> str | None:
        return obj.segment.name if obj.segment else None

    @staticmethod
    def resolve_market(obj: Account) -> str | None:
        return obj.market.name if obj.market else None

    @staticmethod
    def resolve_region(obj: Account) -> str | None:
        return obj.region.name if obj.region else None

    @staticmethod
    def resolve_plan(obj: Account) -> str | None:
        return obj.plan.name if obj.plan else None

    @staticmethod
    def resolve_owner(obj: Account) -> str | None:
        return obj.owner.name if obj.owner else None

    @staticmethod
    def resolve_success_manager(obj: Account) -> str | None:
        return obj.success_manager.name if obj.success_manager else None

    @staticmethod
    def resolve_arr(obj: Account, context) -> Decimal | None:
        return _billing_arr(context["request"]).get(obj.pk, obj.crm_arr)

    @staticmethod
    def resolve_arr_source(obj: Account, context) -> str:
        return "billing" if obj.pk in _billing_arr(context["request"]) else "crm"


def _billing_arr(request: MemberRequest) -> dict[int, Decimal]:
    # Read once per request for the whole workspace: a page of accounts then costs one
    # store query, not one per account.
    # Kept on the request itself, which lives exactly as long as the answer it serves.
    if not hasattr(request, "_billing_arr"):
        request._billing_arr = selectors.accounts_billing_arr(workspace=request.workspace)  # type: ignore[attr-defined]
    return request._billing_arr  # type: ignore[attr-defined]


class ContactOut(Schema):
    id: int
    account_id: int
    account: str
    first_name: str
    last_name: str
    email: str
    phone: str
    details_visible: bool
    title: str
    role: str
    lifecycle_stage: str
    salesforce_id: str
    hubspot_id: str
    external_id: str
    opted_in: list[str]
    preferred_channel: str
    max_per_30_days: int
    max_per_90_days: int
    do_not_contact: bool
    do_not_contact_reason: str
    last_contacted_at: datetime | None
    erased: bool
    custom: dict


def _contact_out(request: MemberRequest, contact: Contact) -> ContactOut:
    details = details_for(request, contact)
    plain = (
        "id", "account_id", "first_name", "last_name", "title", "role", "lifecycle_stage",
        "salesforce_id", "hubspot_id", "external_id", "preferred_channel", "max_per_30_days",
        "max_per_90_days", "do_not_contact", "do_not_contact_reason", "last_contacted_at",
        "custom",
    )  # fmt: skip
    return ContactOut(
        **{name: getattr(contact, name) for name in plain},
        account=contact.account.name,
        email=details["email"],
        phone=details["phone"],
        details_visible=details["visible"],
        opted_in=contact.consents(),
        erased=contact.erased_at is not None,
    )


def _audit_shown(request: MemberRequest, contacts: list[Contact], where: str) -> None:
    shown = [c for c in contacts if details_for(request, c)["visible"]]
    services.contact_details_shown(
        actor=request.user, workspace=request.workspace, contacts=shown, where=where
    )


class UpsertIn(Schema):
    source: Source = "generic"
    records: list[dict]


class ImportReportOut(Schema):
    file: str
    kind: str
    created: int
    updated: int
    unchanged: int
    skipped: list[dict]
    errors: list[dict]
    summary: str


@router.get("/accounts", response=list[AccountOut], summary="List accounts")
@paginate(LimitOffsetPagination)
def list_accounts(request: MemberRequest, q: str = ""):
    require(request, "view")
    rows = selectors.account_list(workspace=request.workspace, search=q)
    return rows.select_related("success_manager")


@router.get(
    "/accounts/{int:pk}", response={200: AccountOut, **errors(404)}, summary="Get an account"
)
def get_account(request: MemberRequest, pk: int):
    require(request, "view")
    return selectors.account_get(workspace=request.workspace, pk=pk)


@router.post(
    "/accounts/upsert",
    response={200: ImportReportOut, **errors(403)},
    summary="Create or update accounts",
)
def upsert_accounts(request: MemberRequest, payload: UpsertIn):
    """Records keyed by ``id`` (their id in ``source``), with the same fields as an import:
    name, domain, country, employees, segment, market, region, plan, arr, owner... All or
    nothing: any bad record rejects the request with every problem listed."""
    require(request, "import_customers")
    report = services.records_upsert(
        actor=request.user,
        workspace=request.workspace,
        kind=ImportKind.ACCOUNTS,
        source=payload.source,
        records=payload.records,
    )
    return report.as_dict()


@router.get("/contacts", response={200: list[ContactOut], **errors(404)}, summary="List contacts")
def list_contacts(
    request: MemberRequest,
    q: str = "",
    account: int | None = None,
    limit: int = 100,
    offset: int = 0,
):
    """Contacts with email and phone masked for viewers; showing them is audited."""
    require(request, "view")
    scope = selectors.account_get(workspace=request.workspace, pk=account) if account else None
    limit = max(1, min(limit, 500))
    rows = list(
        selectors.contact_list(workspace=request.workspace, search=q, account=scope)[
            max(offset, 0) : max(offset, 0) + limit
        ]
    )
    _audit_shown(request, rows, "api contact list")
    return [_contact_out(request, c) for c in rows]


@router.get(
    "/contacts/{int:pk}", response={200: ContactOut, **errors(404)}, summary="Get a contact"
)
def get_contact(request: MemberRequest, pk: int):
    require(request, "view")
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    _audit_shown(request, [contact], "api contact")
    return _contact_out(request, contact)


@router.post(
    "/contacts/upsert",
    response={200: ImportReportOut, **errors(403)},
    summary="Create or update contacts",
)
def upsert_contacts(request: MemberRequest, payload: UpsertIn):
    """Records keyed by ``id`` in ``source``, linked to accounts by ``account_id`` (the
    account's id in the same source) or ``account_name``. All or nothing."""
    require(request, "import_customers")
    report = services.records_upsert(
        actor=request.user,
        workspace=request.workspace,
        kind=ImportKind.CONTACTS,
        source=payload.source,
        records=payload.records,
    )
    return report.as_dict()


class ConsentIn(Schema):
    kind: str
    granted: bool
    method: str
    source: str
    given_at: datetime | None = None


@router.post(
    "/contacts/{int:pk}/consent",
    response={201: dict, **errors(403, 404)},
    summary="Record a consent change",
)
def set_consent(request: MemberRequest, pk: int, payload: ConsentIn):
    require(request, "write")
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    record = services.consent_set(actor=request.user, contact=contact, **payload.dict())
    return Status(201, {"opted_in": contact.consents(), "version": record and record.version})


class PreferencesIn(Schema):
    preferred_channel: str
    max_per_30_days: int
    max_per_90_days: int
    do_not_contact: bool
    do_not_contact_reason: str = ""


@router.put(
    "/contacts/{int:pk}/preferences",
    response={200: ContactOut, **errors(403, 404)},
    summary="Set contact limits",
)
def set_preferences(request: MemberRequest, pk: int, payload: PreferencesIn):
    require(request, "write")
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    services.contact_set_preferences(actor=request.user, contact=contact, **payload.dict())
    return _contact_out(request, contact)


class OutreachIn(Schema):
    kind: str
    outcome: str = "contacted"
    at: datetime
    study: str = ""
    reason: str = ""


class OutreachOut(Schema):
    id: int
    contact_id: int
    account_id: int
    by: str
    kind: str
    study: str
    reason: str
    outcome: str
    at: datetime

    @staticmethod
    def resolve_by(obj: Outreach) -> str:
        return obj.by_label


@router.post(
    "/contacts/{int:pk}/outreach",
    response={201: OutreachOut, **errors(403, 404)},
    summary="Log outreach",
)
def log_outreach(request: MemberRequest, pk: int, payload: OutreachIn):
    require(request, "write")
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    outreach = services.outreach_log(actor=request.user, contact=contact, **payload.dict())
    return Status(201, outreach)


@router.get("/outreach", response={200: list[OutreachOut], **errors(404)}, summary="List outreach")
@paginate(LimitOffsetPagination)
def list_outreach(request: MemberRequest, account: int | None = None, study: str = ""):
    require(request, "view")
    scope = selectors.account_get(workspace=request.workspace, pk=account) if account else None
    rows = selectors.outreach_list(workspace=request.workspace, account=scope, study=study)
    return rows


class OutcomeIn(Schema):
    outcome: Literal[
        "reserved", "contacted", "scheduled", "completed", "declined", "no_response", "cancelled"
    ]


@router.patch(
    "/outreach/{int:pk}",
    response={200: OutreachOut, **errors(403, 404)},
    summary="Record an outreach outcome",
)
def set_outreach_outcome(request: MemberRequest, pk: int, payload: OutcomeIn):
    """E.g. mark a reserved participant completed or declined; a contact stays "in an active
    study" while their outreach is reserved, contacted or scheduled."""
    require(request, "write")
    outreach = selectors.outreach_get(workspace=request.workspace, pk=pk)
    return services.outreach_set_outcome(
        actor=request.user, outreach=outreach, outcome=payload.outcome
    )


class CriteriaIn(Schema):
    segment_ids: list[int] = []
    market_ids: list[int] = []
    region_ids: list[int] = []
    plan_ids: list[int] = []
    role: str = ""
    arr_min: Decimal | None = None
    arr_max: Decimal | None = None
    opted_in: list[Literal["interview", "survey", "prototype_test", "beta", "early_access"]] = []
    not_contacted_days: int | None = None
    exclude_active_study: bool = True
    per_account: int = 2
    limit: int = 20
    active_in_product: str = Field(
        "", description="Product key: accounts with someone active in it in the last 30 days."
    )
    min_active_users: int | None = Field(
        None, ge=1, description="Accounts with at least this many active users (last 30 days)."
    )
    explain: bool = False


class CandidateOut(Schema):
    contact_id: int
    name: str
    title: str
    account_id: int
    account: str
    last_contacted_at: datetime | None
    reason: str | None = None


class FinderOut(Schema):
    eligible: list[CandidateOut]
    excluded: list[CandidateOut]
    excluded_counts: dict[str, int]


def _candidate(row: dict) -> CandidateOut:
    return CandidateOut(
        contact_id=row["pk"],
        name=f"{row['first_name']} {row['last_name']}".strip(),
        title=row["title"],
        account_id=row["account_id"],
        account=row["account__name"],
        last_contacted_at=row["last_contacted_at"],
        reason=row.get("reason"),
    )


@router.post("/finder", response=FinderOut, summary="Find eligible participants")
def find_participants(request: MemberRequest, payload: CriteriaIn):
    """Eligible contacts, least recently contacted first, at most ``per_account`` from one
    account; with ``explain``, also why each matching contact was left out."""
    require(request, "view")
    data = payload.dict()
    explain = data.pop("explain")
    data["limit"] = max(1, min(data["limit"], 500))
    data["per_account"] = max(1, data["per_account"])
    result = finder.participants_find(
        workspace=request.workspace, criteria=finder.Criteria(**data), explain=explain
    )
    return FinderOut(
        eligible=[_candidate(r) for r in result.eligible],
        excluded=[_candidate(r) for r in result.excluded],
        excluded_counts=result.excluded_counts,
    )


class ReserveIn(Schema):
    contact_ids: list[int]
    kind: Literal["interview", "survey", "prototype_test", "beta_invite", "early_access"]
    study: str
    reason: str = ""


class ReserveOut(Schema):
    reserved: list[int]
    refused: dict[int, str]
    owners_notified: list[str]


@router.post(
    "/reservations", response={201: ReserveOut, **errors(403)}, summary="Reserve for a study"
)
def reserve(request: MemberRequest, payload: ReserveIn):
    """Log the outreach for each contact and enforce their caps atomically; contacts who
    became ineligible are refused with the reason."""
    require(request, "write")
    result = services.participants_reserve(
        actor=request.user, workspace=request.workspace, **payload.dict()
    )
    return Status(
        201,
        ReserveOut(
            reserved=[o.contact_id for o in result.reserved],
            refused={c.pk: why for c, why in result.refused},
            owners_notified=result.owners_notified,
        ),
    )


class ImportRunOut(Schema):
    id: int
    kind: str
    format: str
    filename: str
    size: int
    status: Literal["mapping", "queued", "checking", "applying", "undoing", "failed", "done"]
    progress: int = Field(description="Percent of the current step (checking, then saving).")
    rows: int = Field(description="Rows checked so far.")
    created_at: datetime
    finished_at: datetime | None
    report: ImportReportOut | None = Field(None, description="Once the import is over.")

    @staticmethod
    def resolve_report(obj: ImportRun) -> dict | None:
        # Uploads discarded by an erasure request keep only a summary, not a report.
        over = obj.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED)
        return obj.report if over and "created" in obj.report else None


@router.post(
    "/imports",
    response={200: ImportReportOut, 202: ImportRunOut, **errors(403)},
    summary="Import a CRM export",
)
def import_file(
    request: MemberRequest,
    file: File[UploadedFile],
    kind: Form[Literal["accounts", "contacts", "consent", "outreach"]],
    format: Form[Literal["auto", "salesforce", "hubspot", "generic"]] = "auto",
):
    """A Salesforce or HubSpot export (recognised by its columns) or a CSV/XLSX whose
    column names match Greenroom's fields. All or nothing; idempotent. A file up to 1 MB is
    imported at once (200, the report); a larger one by a background job (202, the import:
    follow it at ``GET /imports/{id}`` until its ``report`` is there)."""
    require(request, "import_customers")
    run = services.import_upload(
        actor=request.user, workspace=request.workspace, kind=kind, format=format, upload=file
    )
    run = services.import_start(actor=request.user, run=run, mapping=run.mapping)
    if run.is_active():
        return Status(202, run)
    return run.report


@router.get(
    "/imports/{int:pk}",
    response={200: ImportRunOut, **errors(403, 404)},
    summary="Follow an import",
)
def get_import(request: MemberRequest, pk: int):
    """An import's progress, then what it did (``report``)."""
    require(request, "import_customers")
    return selectors.import_get(workspace=request.workspace, pk=pk)


class EraseIn(Schema):
    reason: str


@router.post(
    "/contacts/{int:pk}/erase",
    response={200: ContactOut, **errors(403, 404)},
    summary="Erase a contact",
)
def erase_contact(request: MemberRequest, pk: int, payload: EraseIn):
    require(request, "handle_privacy_requests")
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    services.contact_erase(actor=request.user, contact=contact, reason=payload.reason)
    return _contact_out(request, contact)


@router.get(
    "/contacts/{int:pk}/subject-access",
    response={200: dict, **errors(403, 404)},
    summary="Subject access export",
)
def subject_access(request: MemberRequest, pk: int):
    """Everything held about one contact (audited)."""
    require(request, "handle_privacy_requests")
    contact = selectors.contact_get(workspace=request.workspace, pk=pk)
    return services.contact_subject_access(actor=request.user, contact=contact)


class QuietIn(Schema):
    starts_on: date
    ends_on: date
    reason: str
    account_id: int | None = None
    contact_id: int | None = None


@router.post(
    "/quiet-periods", response={201: dict, **errors(403, 404)}, summary="Add a quiet period"
)
def add_quiet_period(request: MemberRequest, payload: QuietIn):
    require(request, "write")
    ws = request.workspace
    account = (
        selectors.account_get(workspace=ws, pk=payload.account_id) if payload.account_id else None
    )
    contact = (
        selectors.contact_get(workspace=ws, pk=payload.contact_id) if payload.contact_id else None
    )
    period = services.quiet_period_add(
        actor=request.user,
        workspace=ws,
        account=account,
        contact=contact,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        reason=payload.reason,
    )
    return Status(201, {"id": period.pk})
