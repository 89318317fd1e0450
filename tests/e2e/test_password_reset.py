""" "Forgot your password?" in a real browser: from the login page, the mail reaches an SMTP
server on loopback, the link from the mail sets a new password, and the member logs in with it."""

import email
import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.e2e.test_invitations import wait_for_mail

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/accounts/reset/\S+/")


def test_forgot_password_end_to_end(page, live_server, settings, smtp_server, admin_a):
    settings.SITE_URL = live_server.url
    cache.clear()
    user = admin_a.user
    user.email = "reset.me@example.com"
    user.save(update_fields=["email"])

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("Reset.Me@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    mail = email.message_from_bytes(wait_for_mail(smtp_server).original_content)
    body = mail.get_payload(decode=True).decode()
    link = LINK.search(body).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    page.get_by_label("New password", exact=True).fill("a-brand-new-pass-7")
    page.get_by_label("New password confirmation").fill("a-brand-new-pass-7")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

    page.get_by_role("link", name="Log in").last.click()
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill("a-brand-new-pass-7")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()

    page.goto(link)  # spent
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
