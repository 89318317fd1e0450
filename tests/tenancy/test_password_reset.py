""" "Forgot your password?": a link by mail (a real SMTP server on loopback) built on SITE_URL,
spent once used, one mail per address per window, the same answer for unknown addresses."""

import re
from email import message_from_bytes

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://crm.example.test"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db):
    return get_user_model().objects.create_user(
        username="rita", email="Rita@Example.com", password="old-password-1"
    )


def mail_link(envelope) -> str:
    body = message_from_bytes(envelope.original_content).get_payload(decode=True).decode()
    match = re.search(r"(https?://\S+/accounts/reset/\S+/)", body)
    assert match, body
    return match.group(1)


def test_the_login_page_offers_the_reset(client):
    assert RESET in client.get(reverse("login")).content.decode()


def test_a_reset_link_sets_a_new_password_once(client, member, smtp_server):
    response = client.post(RESET, {"email": "rita@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == [member.email]
    link = mail_link(envelope)
    # Built on SITE_URL, never on the Host the visitor sent.
    assert link.startswith("https://crm.example.test/accounts/reset/")
    path = link.removeprefix("https://crm.example.test")

    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    set_path = form.redirect_chain[-1][0]
    mismatch = client.post(set_path, {"new_password1": "a", "new_password2": "b"})
    body = mismatch.content.decode()
    assert mismatch.status_code == 200 and "didn’t match" in body
    done = client.post(
        set_path, {"new_password1": "new-password-22", "new_password2": "new-password-22"}
    )
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    member.refresh_from_db()
    assert member.check_password("new-password-22")

    # Spent: the same link no longer works.
    again = client.get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, member, smtp_server):
    response = client.post(RESET, {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert smtp_server.messages == []


def test_one_mail_per_address_per_window(client, member, smtp_server):
    for _ in range(3):
        response = client.post(RESET, {"email": "RITA@example.com"})
        assert response.status_code == 302
    assert len(smtp_server.messages) == 1


def test_the_host_header_does_not_make_the_link(client, member, smtp_server, settings):
    settings.ALLOWED_HOSTS = ["*"]
    client.post(RESET, {"email": "rita@example.com"}, headers={"host": "evil.example"})
    assert mail_link(smtp_server.messages[0]).startswith("https://crm.example.test/")


@pytest.mark.parametrize("value", ["", "not-an-address", "x" * 300 + "@example.com", "a\x00@b.c"])
def test_bad_addresses_are_field_errors(client, member, smtp_server, value):
    response = client.post(RESET, {"email": value})
    assert response.status_code == 200
    assert 'class="error-text"' in response.content.decode()
    assert smtp_server.messages == []
