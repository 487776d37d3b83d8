"""Reserving participants for a study (customers/services/outreach.py): each contact checked
again and logged as outreach in one transaction, so concurrent reservations never pass a cap."""

import os
import subprocess
import sys
import threading
import time

import pytest
from django.core import mail
from django.db import connection

from greenroom.customers import services
from greenroom.customers.models import Outreach
from greenroom.customers.tests.factories import (
    ContactFactory,
    make_org,
    placed_account,
    reachable_contact,
)


@pytest.fixture
def org(personas):
    return make_org(personas.workspace)


@pytest.mark.django_db
def test_it_reserves_logs_outreach_and_tells_the_owner_of_a_strategic_account(
    personas, org, django_capture_on_commit_callbacks
):
    strategic = placed_account(personas, org, owner=org.rep, notify_owner_before_contact=True)
    first, second = reachable_contact(strategic), reachable_contact(strategic)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.participants_reserve(
            actor=personas.pm,
            workspace=personas.workspace,
            contact_ids=[first.pk, second.pk],
            kind="prototype_test",
            study="New editor prototype",
        )
    assert len(result.reserved) == 2 and result.owners_notified == ["Sam Seller"]
    assert mail.outbox[0].to == ["sam@acme.example"]
    assert "New editor prototype" in mail.outbox[0].body
    outreach = Outreach.objects.filter(account=strategic)
    assert {o.outcome for o in outreach} == {"reserved"}
    assert all(o.owner_notified_at for o in outreach)
    first.refresh_from_db()
    assert first.last_contacted_at is not None
    # Reserved contacts are in an active study now: a second reservation refuses them.
    again = services.participants_reserve(
        actor=personas.pm,
        workspace=personas.workspace,
        contact_ids=[first.pk],
        kind="prototype_test",
        study="Another study",
    )
    assert again.reserved == [] and again.refused[0][1] == "in an active study"


@pytest.mark.django_db
def test_it_refuses_to_reserve_contacts_of_another_workspace(personas, org):
    stranger = ContactFactory(consent_prototype_test=True)
    with pytest.raises(Exception, match="not in this workspace"):
        services.participants_reserve(
            actor=personas.pm,
            workspace=personas.workspace,
            contact_ids=[stranger.pk],
            kind="prototype_test",
            study="Study",
        )


@pytest.mark.django_db(transaction=True)
def test_it_never_lets_two_simultaneous_reservations_pass_a_cap(personas, org):
    if connection.vendor == "sqlite":
        pytest.skip("threads cannot share SQLite's in-memory test database; see the next test")
    contact = reachable_contact(placed_account(personas, org), max_per_30_days=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def reserve(study: str) -> None:
        try:
            barrier.wait()
            results.append(
                services.participants_reserve(
                    actor=personas.pm,
                    workspace=personas.workspace,
                    contact_ids=[contact.pk],
                    kind="prototype_test",
                    study=study,
                )
            )
        except Exception as error:  # surfaced below with the thread's failure
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=reserve, args=(f"Study {n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(len(r.reserved) for r in results) == [0, 1]
    assert Outreach.objects.filter(contact=contact).count() == 1


def test_it_never_lets_two_simultaneous_processes_pass_a_cap_on_sqlite(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GREENROOM_DATABASE")}
    env["GREENROOM_DATA_DIR"] = str(tmp_path)

    def run(*args: str) -> str:
        command = [sys.executable, "-m", *args]
        return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout

    run("greenroom.cli", "migrate")
    contact_id = run("greenroom.customers.tests.race", "setup").strip()
    start_at = str(time.time() + 3)
    racers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "greenroom.customers.tests.race",
                "reserve",
                contact_id,
                start_at,
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reserved = sorted(int(racer.communicate(timeout=60)[0].strip()) for racer in racers)
    assert reserved == [0, 1]
