"""Stored audit actions renamed to one scheme, `<entity>.<verb>` (accounts/choices.py)."""

from django.db import migrations

# Old name -> new name. Written out rather than imported: a migration must keep meaning what
# it meant when it was written, whatever the enums say later.
RENAMED = {
    "user.role_change": "user.change_role",
    "productline.create": "product_line.create",
    "productline.update": "product_line.update",
    "productline.delete": "product_line.delete",
    "productarea.create": "product_area.create",
    "productarea.update": "product_area.update",
    "productarea.delete": "product_area.delete",
    "organisation.import": "organisation_document.import",
    "account.rules_change": "account.change_rules",
    "contact.consent_change": "contact.change_consent",
    "contact.preferences_change": "contact.change_preferences",
    "contact.subject_access": "contact.answer_subject_access",
    "customers.reserve": "contact.reserve",
    "customers.quiet_period_add": "quiet_period.add",
    "customers.import_accounts": "account.import",
    "customers.import_contacts": "contact.import",
    "customers.import_consent": "consent.import",
    "customers.import_outreach": "outreach.import",
    "outreach.outcome_change": "outreach.change_outcome",
}


def _rename(apps, mapping: dict[str, str]) -> None:
    events = apps.get_model("accounts", "AuditEvent").objects
    for old, new in mapping.items():
        events.filter(action=old).update(action=new)


def forwards(apps, schema_editor):
    _rename(apps, RENAMED)


def backwards(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
