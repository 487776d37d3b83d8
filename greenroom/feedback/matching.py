"""Tie feedback to the customer database in bulk: a few queries per batch, never one per row.

Rules, first that applies wins (docs/feedback.md, "Matching"):

1. an account (or contact) a person chose on the form;
2. the author's email is a contact's email: that contact and its account;
3. the id the source gave (``customer_ref``) is a contact's or an account's CRM id
   (Salesforce, HubSpot or other external id);
4. the author's email domain is exactly one account's domain (free-mail domains such as
   gmail.com never match, and a domain two accounts share matches neither);
5. otherwise the item is kept unmatched and flagged.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from greenroom.accounts.models import Workspace
from greenroom.customers.models import EXTERNAL_IDS, Account, Contact
from greenroom.feedback.choices import FREE_MAIL_DOMAINS, MatchMethod

Match = tuple[int | None, int | None, str]  # contact id, account id, method


def email_domain(email: str) -> str:
    """The domain of an email, lower case; empty for none or a free-mail provider."""
    _, at, domain = email.strip().lower().rpartition("@")
    if not at or domain in FREE_MAIL_DOMAINS:
        return ""
    return domain


def _by_external_id(rows: Iterable[tuple]) -> dict[str, tuple]:
    found: dict[str, tuple] = {}
    for pk, account_id, *ids in rows:
        for key in ids:
            if key:
                found.setdefault(key, (pk, account_id))
    return found


class Matcher:
    """Looks up a batch of records' emails, ids and domains at once, then matches each."""

    def __init__(self, workspace: Workspace, records: list[dict]) -> None:
        emails = {r["author_email"].lower() for r in records if r.get("author_email")}
        refs = {r["customer_ref"] for r in records if r.get("customer_ref")}
        domains = {email_domain(e) for e in emails} - {""}
        contacts = Contact.objects.for_workspace(workspace).filter(erased_at__isnull=True)
        self.by_email: dict[str, tuple[int, int]] = {}
        if emails:
            rows = contacts.filter(email__in=emails).values_list("email", "pk", "account_id")
            for email, pk, account_id in rows.order_by("pk"):
                self.by_email.setdefault(email.lower(), (pk, account_id))
        self.contact_refs: dict[str, tuple] = {}
        self.account_refs: dict[str, tuple] = {}
        if refs:
            wanted = Q()
            for name in EXTERNAL_IDS:
                wanted |= Q(**{f"{name}__in": refs})
            self.contact_refs = _by_external_id(
                contacts.filter(wanted).values_list("pk", "account_id", *EXTERNAL_IDS)
            )
            accounts = Account.objects.for_workspace(workspace).filter(wanted)
            self.account_refs = _by_external_id(accounts.values_list("pk", "pk", *EXTERNAL_IDS))
        self.by_domain: dict[str, list[int]] = defaultdict(list)
        if domains:
            rows = Account.objects.for_workspace(workspace).filter(domain__in=domains)
            for pk, domain in rows.values_list("pk", "domain"):
                self.by_domain[domain.lower()].append(pk)

    def match(self, record: dict) -> Match:
        """The contact, account and rule that tie ``record`` to a customer."""
        if record.get("account_id") or record.get("contact_id"):
            return record.get("contact_id"), record.get("account_id"), MatchMethod.CHOSEN
        email = (record.get("author_email") or "").lower()
        if email in self.by_email:
            contact, account = self.by_email[email]
            return contact, account, MatchMethod.CONTACT_EMAIL
        ref = record.get("customer_ref") or ""
        if ref in self.contact_refs:
            contact, account = self.contact_refs[ref]
            return contact, account, MatchMethod.EXTERNAL_ID
        if ref in self.account_refs:
            return None, self.account_refs[ref][0], MatchMethod.EXTERNAL_ID
        accounts = self.by_domain.get(email_domain(email), [])
        if len(accounts) == 1:
            return None, accounts[0], MatchMethod.EMAIL_DOMAIN
        return None, None, MatchMethod.UNMATCHED
