import pytest
from django.urls import reverse

from greenroom.accounts import services
from greenroom.accounts.models import ApiToken

pytestmark = pytest.mark.django_db


def test_it_stores_only_a_digest_of_a_token(personas):
    token, secret = services.token_create(user=personas.pm, name="Script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret.startswith("grt_")
    assert secret not in (stored.digest, stored.hint)
    assert stored.digest == ApiToken.digest_of(secret)


def test_it_shows_a_new_token_once(personas):
    client = personas.client(personas.viewer)
    created = client.post(reverse("accounts:profile"), {"name": "Laptop"})
    secret = created.context["new_secret"]
    assert secret in created.content.decode()
    assert secret not in client.get(reverse("accounts:profile")).content.decode()


def test_it_authenticates_the_api_with_a_token_until_revoked(personas):
    token, secret = services.token_create(user=personas.pm, name="Script")
    client = personas.client(None)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = client.get("/api/v1/accounts/me", **auth)
    assert response.status_code == 200
    assert response.json()["role"] == "product_manager"
    services.token_revoke(user=personas.pm, token=token)
    assert client.get("/api/v1/accounts/me", **auth).status_code == 401


def test_it_rejects_a_token_of_a_deactivated_user(personas):
    _, secret = services.token_create(user=personas.pm, name="Script")
    personas.pm.is_active = False
    personas.pm.save()
    response = personas.client(None).get(
        "/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 401


def test_it_lets_nobody_revoke_another_users_token(personas):
    token, _ = services.token_create(user=personas.pm, name="Script")
    response = personas.client(personas.admin).post(
        reverse("accounts:token_revoke", args=[token.pk])
    )
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
