"""What customers adds to the shell: its lists in the sidebar, the customer database on the
overview, and finding accounts and contacts. Email and phone are only searched, and shown,
for roles that may see contact details, and showing them is audited like on the pages.
Feedback and research register their own cards and account panels."""

from django.urls import reverse

from greenroom import registry
from greenroom.accounts.models import User, Workspace
from greenroom.customers import selectors, services
from greenroom.customers.models import Contact, ImportRun
from greenroom.jobs.labels import argument_label_register
from greenroom.registry import NavEntry, OverviewCard, SearchProvider, SearchResult


def _accounts(*, workspace: Workspace, actor: User, query: str, limit: int) -> list:
    return [
        SearchResult(
            account.name, reverse("customers:account", args=[account.pk]), "account", account.domain
        )
        for account in selectors.account_search(workspace=workspace, query=query, limit=limit)
    ]


def _contact_result(contact: Contact, *details: str) -> SearchResult:
    detail = " · ".join(part for part in (*details, contact.account.name) if part)
    return SearchResult(
        str(contact), reverse("customers:contact", args=[contact.pk]), "contact", detail
    )


def _contacts(*, workspace: Workspace, actor: User, query: str, limit: int) -> list:
    contacts = selectors.contact_search(workspace=workspace, query=query, limit=limit)
    return [_contact_result(contact, contact.title) for contact in contacts]


def _contacts_by_details(*, workspace: Workspace, actor: User, query: str, limit: int) -> list:
    contacts = selectors.contact_detail_search(workspace=workspace, query=query, limit=limit)
    services.contact_details_shown(
        actor=actor, workspace=workspace, contacts=contacts, where="search"
    )
    return [_contact_result(contact, contact.email, contact.phone) for contact in contacts]


registry.register(
    NavEntry("customers", "Accounts", "customers:accounts", weight=10),
    NavEntry("customers", "Contacts", "customers:contacts", weight=20),
    NavEntry("customers", "Find participants", "customers:finder", weight=30),
    NavEntry(
        "customers",
        "Customer imports",
        "customers:imports",
        weight=40,
        ability="import_customers",
    ),
    OverviewCard(
        key="customer-database",
        section="customers",
        title="Customer database",
        weight=100,
        description="Accounts and contacts imported from Salesforce, HubSpot or any CSV/Excel "
        "file, with each contact's research consent, contact limits and every outreach logged, "
        "so nobody bothers the same customer twice.",
        template="customers/_overview_card.html",
        wide=True,
    ),
    SearchProvider(key="accounts", title="Accounts", search=_accounts, weight=100),
    SearchProvider(key="contacts", title="Contacts", search=_contacts, weight=110),
    SearchProvider(
        key="contact-details",
        title="Contacts by email or phone",
        search=_contacts_by_details,
        weight=120,
        ability="view_contact_details",
    ),
)


def _import_files(workspace: Workspace, ids: set[int]) -> dict[int, str]:
    return dict(
        ImportRun.objects.for_workspace(workspace).filter(pk__in=ids).values_list("pk", "filename")
    )


# The jobs list names the file an import job loads, not its id.
argument_label_register(
    job="customers.import_file", argument="run_id", label="file", namer=_import_files
)
