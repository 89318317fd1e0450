"""Password guessing is limited per account and per address, through both sign-in doors (the
login page and the API's token endpoint); locks are logged, recorded, and lifted by superusers."""

import logging
import time

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test import RequestFactory
from django.urls import reverse

from tenancy import login_throttle
from tenancy.models import LoginLock
from tests.factories import UserFactory

PASSWORD = "pass-word-1"  # tests.factories.UserFactory's
TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"
HOME = "10.0.0.1"
AWAY = "10.0.0.2"


def token(client, username, password, address=HOME, **extra):
    return client.post(
        TOKEN,
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
        **extra,
    )


def page(client, username, password, address=HOME, **extra):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def test_token_endpoint_locks_the_account_after_ten_wrong_passwords(client, alice):
    for _ in range(10):
        assert token(client, "alice", "wrong").status_code == 400
    response = token(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert response.json() == {
        "detail": "Too many failed sign-in attempts. Try again in 15 minutes."
    }
    assert token(client, "alice", "wrong").status_code == 429
    assert LoginLock.objects.get(kind="account", value="alice").failures == 10


def test_login_page_locks_the_account_after_ten_wrong_passwords(client, alice):
    for _ in range(10):
        response = page(client, "alice", "wrong")
        assert response.status_code == 200 and response.context["form"].errors
    response = page(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in response.content.decode()
    assert not signed_in(client)


def test_each_wrong_password_counts_once_and_success_clears_the_account(client, alice):
    for _ in range(9):
        page(client, "alice", "wrong")
    assert page(client, "alice", PASSWORD).status_code == 302
    client.logout()
    for _ in range(9):
        token(client, "alice", "wrong")
    assert token(client, "alice", PASSWORD).status_code == 200
    for _ in range(9):
        token(client, "alice", "wrong")
    assert token(client, "alice", PASSWORD).status_code == 200
    assert not LoginLock.objects.exists()


def test_empty_fields_are_not_guesses(client, alice):
    for _ in range(12):
        assert page(client, "alice", "").status_code == 200
        assert token(client, "alice", "").status_code == 400
    assert token(client, "alice", PASSWORD).status_code == 200


def test_both_doors_share_one_count_and_usernames_ignore_case(client, alice):
    for name in ["Alice", "ALICE", " alice ", "aLiCe", "alice"]:
        page(client, name, "wrong")
        token(client, name, "wrong", address=AWAY)
    assert page(client, "alice", PASSWORD, address="10.0.0.3").status_code == 429
    assert token(client, "Alice", PASSWORD, address="10.0.0.3").status_code == 429


def test_another_account_from_the_same_address_still_signs_in(client, alice, bob):
    for _ in range(10):
        token(client, "alice", "wrong")
    assert token(client, "alice", PASSWORD).status_code == 429
    assert token(client, "bob", PASSWORD).status_code == 200
    assert page(client, "bob", PASSWORD).status_code == 302


def test_the_address_limit_locks_every_username_from_that_address(client, bob):
    for n in range(50):  # one guess each at 50 accounts: no account reaches its limit
        assert token(client, f"guess{n}", "wrong").status_code == 400
    assert token(client, "bob", PASSWORD).status_code == 429
    assert page(client, "bob", PASSWORD).status_code == 429
    assert token(client, "bob", PASSWORD, address=AWAY).status_code == 200
    lock = LoginLock.objects.get()
    assert (lock.kind, lock.value, lock.failures) == ("address", HOME, 50)


def test_limits_come_from_the_settings(client, settings, alice, bob):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    for _ in range(3):
        token(client, "alice", "wrong")
    assert token(client, "alice", PASSWORD).status_code == 429
    token(client, "carol", "wrong")
    token(client, "dave", "wrong")
    assert token(client, "bob", PASSWORD).status_code == 429  # the address: 5 failures


def test_a_lock_ends_by_itself_after_the_window(client, settings, alice):
    settings.LOGIN_LOCK_MINUTES = 0.05  # 3 seconds
    for _ in range(10):
        token(client, "alice", "wrong")
    refused = token(client, "alice", PASSWORD)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 0 < wait <= 3
    assert refused.json()["detail"].endswith("Try again in 1 minute.")
    time.sleep(wait + 0.1)
    assert token(client, "alice", PASSWORD).status_code == 200
    assert token(client, "alice", "wrong").status_code == 400  # a fresh count


def test_a_lock_is_logged_and_recorded(client, alice, caplog):
    caplog.set_level(logging.WARNING, logger="atrium.security")
    for _ in range(10):
        page(client, "alice", "not-the-password")
    lock = LoginLock.objects.get()
    assert (lock.kind, lock.value, lock.failures, lock.lifted_at) == ("account", "alice", 10, None)
    assert 14 * 60 < (lock.locked_until - lock.locked_at).total_seconds() <= 15 * 60
    [record] = [r for r in caplog.records if r.name == "atrium.security"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert "account" in message and "'alice'" in message
    assert lock.locked_until.isoformat(timespec="seconds") in message
    assert "not-the-password" not in message
    assert (record.lock_kind, record.lock_value) == ("account", "alice")


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(client, settings, bob):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):  # a different spoofed header each time: still one address
        token(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert token(client, "bob", PASSWORD).status_code == 429

    settings.TRUSTED_PROXY_COUNT = 1
    factory = RequestFactory()
    request = factory.post("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="1.1.1.1, 192.0.2.7")
    assert login_throttle.client_address(request) == "192.0.2.7"
    assert login_throttle.client_address(factory.post("/", REMOTE_ADDR="10.9.9.9")) == "10.9.9.9"
    # behind our proxy, HOME is the proxy: clients are told apart by the header
    assert token(client, "bob", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.50").status_code == 200


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def lock_alice(client):
    for _ in range(10):
        token(client, "alice", "wrong")
    return LoginLock.objects.get(value="alice")


def test_a_superuser_sees_the_locks_and_lifts_one(client, alice, root):
    lock = lock_alice(client)
    client.force_login(root)
    changelist = reverse("admin:tenancy_loginlock_changelist")
    response = client.get(changelist)
    assert response.status_code == 200
    assert "alice" in response.content.decode()
    assert "Lift selected locks" in response.content.decode()
    assert client.get(reverse("admin:tenancy_loginlock_change", args=[lock.pk])).status_code == 200
    assert client.get(reverse("admin:tenancy_loginlock_add")).status_code == 403
    response = client.post(
        changelist, {"action": "lift_selected", "_selected_action": [lock.pk]}, follow=True
    )
    assert "Lifted 1 lock." in response.content.decode()
    lock.refresh_from_db()
    assert lock.lifted_at is not None
    client.logout()
    assert token(client, "alice", PASSWORD).status_code == 200


def test_a_tenant_admin_gets_no_lock_admin(client, alice, admin_a):
    lock_alice(client)
    client.force_login(admin_a.user)
    index = client.get(reverse("admin:index"))
    assert index.status_code == 200 and "Login lock" not in index.content.decode()
    for view, args in [("changelist", []), ("change", [LoginLock.objects.get().pk])]:
        assert client.get(reverse(f"admin:tenancy_loginlock_{view}", args=args)).status_code == 403


def test_the_schema_documents_the_lock(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    responses = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]
    assert {"200", "400", "429"} <= set(responses)
    assert responses["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AuthToken"
    }
    assert "Retry-After" in responses["429"]["headers"]


def test_the_limit_holds_on_redis(client, settings, alice):
    import redis

    raw = redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=1)
    try:
        raw.ping()
    except redis.RedisError as exc:
        reason = f"Redis at 127.0.0.1:6379 does not answer ({exc})"
        print(reason)
        pytest.skip(reason)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        }
    }
    assert isinstance(caches["default"], RedisCache)
    cache.clear()
    try:
        for _ in range(10):
            assert token(client, "alice", "wrong").status_code == 400
        response = token(client, "alice", PASSWORD)
        assert response.status_code == 429 and int(response["Retry-After"]) > 0
        assert page(client, "alice", PASSWORD).status_code == 429
        assert any(key.startswith(b":1:login-throttle:account:") for key in raw.keys("*"))
        lock = LoginLock.objects.get()
        login_throttle.lift(lock.kind, lock.value)
        assert token(client, "alice", PASSWORD).status_code == 200
    finally:
        cache.clear()
