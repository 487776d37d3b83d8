import pytest
from django.core import mail
from django.urls import reverse

from greenroom.accounts.choices import Role
from greenroom.accounts.models import AuditEvent, Membership
from greenroom.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_signs_a_member_in_with_email_and_password(personas):
    client = personas.client(None)
    response = client.post(
        reverse("login"), {"username": personas.pm.email, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert response.context["user"] == personas.pm


def test_it_refuses_a_wrong_password_with_a_clear_message(personas):
    response = personas.client(None).post(
        reverse("login"), {"username": personas.pm.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert "That email and password do not match" in response.content.decode()


def test_it_locks_sign_in_after_repeated_failures(personas, settings):
    client = personas.client(None)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": personas.pm.email, "password": "wrong"})
    response = client.post(reverse("login"), {"username": personas.pm.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()


def test_it_signs_out_only_by_post(personas):
    client = personas.client(personas.pm)
    assert client.get(reverse("logout")).status_code == 405
    assert client.post(reverse("logout")).status_code == 302


def test_it_emails_a_working_password_reset_link(personas, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = personas.client(None)
    client.post(reverse("password_reset"), {"email": personas.viewer.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password", "new_password2": "a-new-long-password"},
    )
    assert response.status_code == 302
    personas.viewer.refresh_from_db()
    assert personas.viewer.check_password("a-new-long-password")


def test_it_does_not_reveal_whether_an_email_has_an_account(personas, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    response = personas.client(None).post(
        reverse("password_reset"), {"email": "nobody@example.com"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 0


@pytest.mark.parametrize("role", ["viewer", "pm", "ops"])
def test_it_lets_only_admins_manage_users(personas, role):
    client = personas.client(getattr(personas, role))
    assert client.get(reverse("accounts:users")).status_code == 403


def test_it_lets_an_admin_add_a_member_who_is_emailed_a_link(personas, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client = personas.client(personas.admin)
    response = client.post(
        reverse("accounts:users"),
        {"email": "New@Example.com", "first_name": "Nia", "last_name": "New", "role": "viewer"},
    )
    assert response.status_code == 302
    member = Membership.objects.get(user__email="new@example.com")
    assert member.workspace == personas.workspace
    assert member.role == Role.VIEWER
    assert "choose your password" in mail.outbox[0].body.lower()
    assert AuditEvent.objects.filter(action="user.create", object_id=str(member.user.pk)).exists()


def test_it_changes_a_role_in_place_and_audits_it(personas):
    membership = personas.pm.memberships.get()
    response = personas.client(personas.admin).post(
        reverse("accounts:member_role", args=[membership.pk]),
        {"role": "product_ops"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="member-{membership.pk}"' in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.PRODUCT_OPS
    event = AuditEvent.objects.get(action="user.change_role")
    assert event.detail == {"from": "product_manager", "to": "product_ops"}
    assert event.actor == personas.admin


def test_it_keeps_at_least_one_admin(personas):
    membership = personas.admin.memberships.get()
    response = personas.client(personas.admin).post(
        reverse("accounts:member_role", args=[membership.pk]), {"role": "viewer"}
    )
    assert "at least one active admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_it_hides_other_workspaces_members_from_an_outsider(personas):
    membership = personas.pm.memberships.get()
    response = personas.client(personas.outsider).post(
        reverse("accounts:member_role", args=[membership.pk]), {"role": "admin"}
    )
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.role == Role.PRODUCT_MANAGER


def test_it_stops_a_deactivated_user_from_signing_in(personas):
    membership = personas.viewer.memberships.get()
    personas.client(personas.admin).post(
        reverse("accounts:member_active", args=[membership.pk]), {"active": "0"}
    )
    response = personas.client(None).post(
        reverse("login"), {"username": personas.viewer.email, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in response.wsgi_request.session


def test_it_shows_the_audit_log_to_admins_only(personas):
    assert personas.client(personas.admin).get(reverse("accounts:audit")).status_code == 200
    assert personas.client(personas.ops).get(reverse("accounts:audit")).status_code == 403


def test_it_shows_an_audit_detail_whose_key_is_named_items(personas):
    # A detail like a roadmap snapshot's {"items": 34}: "items" must not shadow the pairs.
    AuditEvent.objects.create(
        workspace=personas.workspace,
        actor=personas.ops,
        actor_label="Ops",
        action="roadmap_snapshot.create",
        detail={"items": 34, "label": "2026Q4"},
    )
    response = personas.client(personas.admin).get(reverse("accounts:audit"))
    assert response.status_code == 200
    assert "items: 34; label: 2026Q4" in response.text


def test_it_keeps_a_session_for_12_hours_by_default(personas):
    response = personas.client(None).post(
        reverse("login"), {"username": personas.pm.email, "password": PASSWORD}
    )
    assert response.cookies["sessionid"]["max-age"] == 12 * 3600
