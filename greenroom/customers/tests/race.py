"""Two real processes reserving the same contact at the same instant, against a file
SQLite database (the in-memory test database cannot be shared between processes).

``python -m greenroom.customers.tests.race setup`` prints a contact id;
``... race reserve <contact id> <start at (epoch seconds)>`` prints how many were reserved.
"""

import os
import sys
import time

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    django.setup()
    from greenroom.accounts.models import User, Workspace
    from greenroom.customers import services
    from greenroom.customers.models import Account, Contact

    if sys.argv[1] == "setup":
        workspace = Workspace.objects.create(name="Race", slug="race")
        User.objects.create(username="pm@race.example", email="pm@race.example")
        account = Account.objects.create(workspace=workspace, name="Racing Ltd")
        contact = Contact.objects.create(
            workspace=workspace,
            account=account,
            last_name="Runner",
            consent_prototype_test=True,
            max_per_30_days=1,
        )
        print(contact.pk)
        return
    contact_id, start_at = int(sys.argv[2]), float(sys.argv[3])
    workspace = Workspace.objects.get(slug="race")
    actor = User.objects.get(username="pm@race.example")
    time.sleep(max(0.0, start_at - time.time()))
    result = services.participants_reserve(
        actor=actor,
        workspace=workspace,
        contact_ids=[contact_id],
        kind="prototype_test",
        study=f"Study {os.getpid()}",
    )
    print(len(result.reserved))


if __name__ == "__main__":
    main()
