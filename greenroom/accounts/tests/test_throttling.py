"""Sign-in throttling: per email and address, per address alone, and the client's address
behind a configured proxy."""

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from greenroom.accounts.throttling import client_address
from greenroom.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db

OFFICE = "198.51.100.7"


def _sign_in(email: str, password: str, address: str = OFFICE, **headers):
    return Client(REMOTE_ADDR=address, **headers).post(
        reverse("login"), {"username": email, "password": password}
    )


def test_it_slows_one_password_sprayed_across_many_emails_from_one_address(personas, settings):
    limit = settings.LOGIN_ADDRESS_FAILURE_LIMIT
    answers = [_sign_in(f"guess{n}@example.com", "Summer2026!").status_code for n in range(limit)]

    refused = _sign_in(personas.pm.email, PASSWORD)

    assert answers == [200] * (limit - 1) + [429]

    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.content.decode()
    assert _sign_in(personas.pm.email, PASSWORD, address="192.0.2.44").status_code == 302


def test_it_does_not_lock_an_office_out_after_a_few_typos_each(personas, settings):
    colleagues = [f"colleague{number}@example.com" for number in range(6)]
    for email in colleagues:
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            _sign_in(email, "typo")

    assert len(colleagues) * (settings.AXES_FAILURE_LIMIT - 1) < (
        settings.LOGIN_ADDRESS_FAILURE_LIMIT
    )
    assert _sign_in(personas.pm.email, PASSWORD).status_code == 302


def test_it_still_locks_one_email_at_one_address_after_a_few_failures(personas, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(personas.pm.email, "wrong")

    assert _sign_in(personas.pm.email, PASSWORD).status_code == 429
    assert _sign_in(personas.viewer.email, PASSWORD).status_code == 302


def test_it_throttles_clients_behind_a_configured_proxy_one_by_one(personas, settings):
    settings.PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        _sign_in(f"guess{number}@example.com", "x", address=proxy, HTTP_X_FORWARDED_FOR=OFFICE)

    sprayer = _sign_in(personas.pm.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    someone_else = _sign_in(personas.pm.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="192.0.2.9")

    assert sprayer.status_code == 429
    assert someone_else.status_code == 302


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "203.0.113.5", "203.0.113.5"),
        # Entries left of what the proxies added are the client's own words.
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),
        (2, "6.6.6.6, 203.0.113.5, 10.0.0.1", "203.0.113.5"),
        (2, "203.0.113.5", "203.0.113.5"),
    ],
)
def test_it_takes_the_client_address_the_proxies_vouch_for(
    settings, proxies, forwarded_for, expected
):
    settings.PROXY_COUNT = proxies
    request = RequestFactory().get(
        "/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for
    )
    assert client_address(request) == expected
