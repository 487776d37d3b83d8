"""Headers every response carries: a strict Content-Security-Policy."""

import re
from pathlib import Path

import pytest
from django.conf import settings

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
