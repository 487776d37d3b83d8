"""Headers every response carries: a strict Content-Security-Policy, no caching of what a
signed-in member sees, and proxy headers noted when no proxy is configured."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from greenroom import checks
from greenroom.accounts import services as account_services
from greenroom.customers.tests.factories import ContactFactory
from greenroom.lib import proxyheaders

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.PACKAGE_DIR) / "templates"
STRICT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# Inline code or style the policy would refuse: <script> without src (JSON data blocks are
# never run), <style>, style="", on…="" handlers, javascript: URLs, htmx's eval features.
INLINE = re.compile(
    r"<script(?![^>]*(\bsrc=|type=\"application/json\"))[^>]*>|<style|\sstyle=|\son[a-z]+=|"
    r"javascript:|hx-on|[\"']js:",
    re.IGNORECASE,
)


def _directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/", "/customers/contacts/", "/api/v1/docs", "/login/"])
def test_it_sends_a_strict_content_security_policy(personas, path):
    response = personas.client(personas.admin).get(path, follow=True)

    assert response.status_code == 200
    assert _directives(response) == STRICT_POLICY


def test_it_keeps_inline_scripts_and_styles_out_of_every_template():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()[:120]}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if INLINE.search(line)
    ]
    assert not found, "Move these to greenroom/static/:\n" + "\n".join(found)


def test_it_forbids_caching_a_page_with_personal_data(personas):
    contact = ContactFactory(account__workspace=personas.workspace, email="ann@example.com")

    response = personas.client(personas.pm).get(f"/customers/contacts/{contact.pk}/")

    assert "ann@example.com" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_it_forbids_caching_downloads_of_personal_data(personas):
    contact = ContactFactory(account__workspace=personas.workspace)
    client = personas.client(personas.admin)

    download = client.get(f"/customers/contacts/{contact.pk}/subject-access/")
    export = client.get("/customers/studies/export.csv?study=Any")

    assert download.status_code == export.status_code == 200
    assert "no-store" in download["Cache-Control"]
    assert "no-store" in export["Cache-Control"]


def test_it_forbids_caching_api_answers_to_a_token(personas):
    ContactFactory(account__workspace=personas.workspace)
    _, secret = account_services.token_create(user=personas.pm, name="cli")

    response = Client().get("/api/v1/customers/contacts", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_it_lets_static_files_be_cached_for_members_too(personas, settings):
    settings.WHITENOISE_USE_FINDERS = True

    response = personas.client(personas.viewer).get("/static/greenroom/greenroom.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_it_notes_proxy_headers_that_arrive_when_no_proxy_is_configured(personas, settings):
    settings.PROXY_COUNT, settings.BEHIND_PROXY = 0, False

    Client().get("/login/", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")

    assert set(proxyheaders.observed()) == {"X-Forwarded-For", "X-Forwarded-Proto"}
    warnings = checks.proxy_headers_without_proxy(None)
    assert [warning.id for warning in warnings] == ["greenroom.W003", "greenroom.W004"]
    assert "GREENROOM_PROXY_COUNT" in warnings[0].msg
    assert "GREENROOM_BEHIND_PROXY" in warnings[1].msg


def test_it_notes_nothing_when_the_proxy_is_configured(personas, settings):
    settings.PROXY_COUNT, settings.BEHIND_PROXY = 1, True

    Client().get("/login/", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")

    assert proxyheaders.observed() == {}
    assert not proxyheaders.observations_file().exists()
    assert checks.proxy_headers_without_proxy(None) == []


def test_it_stops_warning_once_the_proxy_is_configured(personas, settings):
    settings.PROXY_COUNT, settings.BEHIND_PROXY = 0, False
    Client().get("/login/", HTTP_X_FORWARDED_FOR="203.0.113.9")

    settings.PROXY_COUNT = 1

    assert checks.proxy_headers_without_proxy(None) == []
