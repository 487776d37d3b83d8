"""An import killed with SIGKILL halfway, in a real process against a file SQLite database of
its own (the test database cannot be shared with another process).

``python -m greenroom.customers.tests.interrupted setup FILE`` writes a contact export and
the data it refers to; ``... import FILE`` uploads it and runs the import job, killing its own
process inside the fourth chunk's transaction (three chunks saved); ``... recover`` does what
the periodic recovery job does, then what the worker does with the queued job. ``setup``,
``state`` and ``recover`` print what the database holds, as JSON.
"""

import json
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import django

CHUNK = 50
HEADER = "Contact ID,Account ID,First Name,Last Name,Title,Email,Phone,Persona,Email Opt Out"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenroom.settings")
    django.setup()
    from greenroom.customers.services import importing, imports

    importing.CHUNK, imports.INLINE_IMPORT_MAX = CHUNK, 0
    command = sys.argv[1]
    if command == "setup":
        _setup(Path(sys.argv[2]))
    elif command == "import":
        _import_and_die(Path(sys.argv[2]))
    elif command == "recover":
        _recover()
    print(json.dumps(_state()))


def _setup(path: Path) -> None:
    from greenroom.accounts.models import User, Workspace
    from greenroom.customers import services
    from greenroom.customers.models import Account

    workspace = Workspace.objects.create(name="Killed", slug="killed")
    user = User.objects.create(username="ops@killed.example", email="ops@killed.example")
    workspace.memberships.create(user=user, role="product_ops")
    Account.objects.create(workspace=workspace, name="Globex", salesforce_id="001A")
    greta = "003A,001A,Greta,Gruber,IT Administrator,greta@globex.example,,Admin,0"
    services.records_import(
        actor=user, workspace=workspace, kind="contacts", name="first.csv",
        data=f"{HEADER}\n{greta}\n".encode(),
    )  # fmt: skip
    rows = [greta.replace("IT Administrator", "Head of IT")]
    rows += [
        f"N{n:04},001A,New,Person {n},Engineer,new{n}@globex.example,,User,0" for n in range(300)
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n")


def _import_and_die(path: Path) -> None:
    from django.core.files import File

    from greenroom.accounts.models import User
    from greenroom.customers import services
    from greenroom.customers.services.contacts import ContactImporter
    from greenroom.customers.tasks import import_file

    user = User.objects.get(username="ops@killed.example")
    with path.open("rb") as handle:
        run = services.import_upload(
            actor=user, workspace=user.memberships.get().workspace, kind="contacts",
            format="auto", upload=File(handle, name=path.name),
        )  # fmt: skip
    run = services.import_start(actor=user, run=run, mapping=run.mapping)
    write, calls = ContactImporter.write, []

    def write_then_die(self, plan, journal, tally):
        calls.append(1)
        write(self, plan, journal, tally)
        if len(calls) == 4:
            os.kill(os.getpid(), signal.SIGKILL)

    ContactImporter.write = write_then_die
    import_file.func(workspace_id=run.workspace_id, run_id=run.pk)


def _recover() -> None:
    from greenroom.customers import services
    from greenroom.customers.models import ImportRun
    from greenroom.customers.services import importing
    from greenroom.customers.tasks import import_file

    # The killed run beat a moment ago; recovery waits minutes before it calls a run dead.
    importing.STALE_AFTER = timedelta(0)
    services.import_recover()
    run = ImportRun.objects.get(filename="big.csv")
    print(json.dumps({"after_recovery": _state()}))
    import_file.func(workspace_id=run.workspace_id, run_id=run.pk)


def _state() -> dict:
    from greenroom.customers.models import Contact, ImportChange, ImportRun

    run = ImportRun.objects.filter(filename="big.csv").first()
    return {
        "contacts": Contact.objects.count(),
        "greta": Contact.objects.get(salesforce_id="003A").title,
        "run": run.status if run else None,
        "saved_by_run": Contact.objects.filter(import_run=run).count() if run else 0,
        "changes": ImportChange.objects.count(),
    }


if __name__ == "__main__":
    main()
