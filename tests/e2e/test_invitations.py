"""An invitation in a real browser: tenant A's admin invites by email in the admin, the mail
reaches an SMTP server on loopback, and the invited person (an existing user of tenant B) signs
in as themselves, opens the link from the mail, accepts, and lands on A's leads page."""

import email
import re
import time

import pytest
from playwright.sync_api import expect

from tenancy.models import Invitation, Membership, Role

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/invitations/[^\s/]+/")


def wait_for_mail(smtp_server, count=1, timeout=10.0):
    deadline = time.monotonic() + timeout
    while len(smtp_server.messages) < count:
        assert time.monotonic() < deadline, "no invitation mail arrived"
        time.sleep(0.05)
    return smtp_server.messages[count - 1]


def test_invite_by_email_then_accept_as_an_existing_user(
    page, log_in, live_server, settings, smtp_server, admin_a, admin_b, tenant_a
):
    settings.SITE_URL = live_server.url  # the mail's link points at the server under test
    bob = admin_b.user

    log_in(admin_a)
    page.goto("/admin/tenancy/invitation/add/")
    page.get_by_label("Email").fill(bob.email)
    page.get_by_label("Role").select_option("agent")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(f"Invitation sent to {bob.email}.")
    expect(page.locator("#result_list")).to_contain_text(bob.email)

    envelope = wait_for_mail(smtp_server)
    assert envelope.rcpt_tos == [bob.email]
    message = email.message_from_bytes(envelope.original_content)
    links = LINK.findall(message.get_payload(decode=True).decode())
    assert len(links) == 1 and links[0].startswith(live_server.url)
    assert not Membership.objects.filter(tenant=tenant_a, user=bob).exists()

    page.goto("/leads/")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    log_in(admin_b)  # through /accounts/login/, as Bob with his own password
    expect(page.locator(".who")).to_contain_text("beta-admin")
    page.goto(links[0])
    expect(page.get_by_role("heading", name="Join Alpha")).to_be_visible()
    assert not Membership.objects.filter(tenant=tenant_a, user=bob).exists()
    page.get_by_role("button", name="Accept as beta-admin").click()

    expect(page.get_by_role("heading", name="Today", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))  # joining lands on the home page
    expect(page.locator(".messages")).to_contain_text("Welcome to Alpha: you are now agent there.")
    expect(page.locator("#tenant-switch")).to_have_value("alpha")
    expect(page.locator(".who .role")).to_have_text("Agent")
    membership = Membership.objects.get(tenant=tenant_a, user=bob)
    assert (membership.role, membership.is_active) == (Role.AGENT, True)
    assert Invitation.objects.get(tenant=tenant_a).accepted_by == bob

    # The link is spent.
    page.goto(links[0])
    expect(page.get_by_role("heading", name="This invitation cannot be used")).to_be_visible()
