"""Invitations end to end: tenant A's admin invites by email in the admin, the mail goes out over
SMTP to a real server on loopback, and the link in it is the only way in. An existing user
accepts signed in as themselves (their account untouched); a newcomer creates an account on the
link's page. A link works once, and never when tampered with, expired or revoked."""

import email
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import signing
from django.test import Client
from django.utils import timezone

from tenancy.middleware import SESSION_KEY as TENANT_SESSION_KEY
from tenancy.models import Invitation, Membership, MembershipAction, MembershipEvent, Role
from tenancy.services import members as member_services

INVITE = "/admin/tenancy/invitation/add/"
INVITATIONS = "/admin/tenancy/invitation/"
PASSWORD = "pass-word-1"  # tests.factories.UserFactory's
INVALID = "This invitation cannot be used"
LINK = re.compile(r"https?://\S+/invitations/[^\s/]+/")


@pytest.fixture
def alpha(client, admin_a):
    client.force_login(admin_a.user)
    return client


def mail_body(envelope) -> str:
    message = email.message_from_bytes(envelope.original_content)
    return message.get_payload(decode=True).decode(message.get_content_charset() or "utf-8")


def invite(client, smtp_server, capture, address, role="agent"):
    """Invite `address` through the admin form; the mail that arrived and the link's path."""
    sent = len(smtp_server.messages)
    with capture(execute=True):
        response = client.post(INVITE, {"email": address, "role": role})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert len(smtp_server.messages) == sent + 1, "exactly one mail per invitation"
    envelope = smtp_server.messages[-1]
    links = LINK.findall(mail_body(envelope))
    assert len(links) == 1
    return envelope, urlsplit(links[0]).path


def signed_in(username, password=PASSWORD) -> Client:
    client = Client()
    assert client.login(username=username, password=password)
    return client


def account_state(user):
    user = get_user_model().objects.get(pk=user.pk)
    return (user.password, user.email, user.is_active, user.is_staff, user.is_superuser)


def is_member(tenant, user) -> bool:
    return Membership.objects.filter(tenant=tenant, user=user).exists()


def test_an_existing_user_of_another_tenant_accepts_signed_in_as_themselves(
    alpha, smtp_server, django_capture_on_commit_callbacks, tenant_a, tenant_b, admin_b
):
    bob = admin_b.user
    before = account_state(bob)

    envelope, path = invite(
        alpha, smtp_server, django_capture_on_commit_callbacks, bob.email, role="manager"
    )

    assert envelope.rcpt_tos == [bob.email]
    message = email.message_from_bytes(envelope.original_content)
    assert message["Subject"] == "You are invited to Alpha on Atrium"
    body = mail_body(envelope)
    assert "alpha-admin invites you to join Alpha on Atrium as manager" in body
    invitation = Invitation.objects.get(tenant=tenant_a)
    assert (invitation.email, invitation.role, invitation.status) == (
        bob.email,
        Role.MANAGER,
        "pending",
    )
    assert MembershipEvent.objects.filter(
        tenant=tenant_a, action=MembershipAction.INVITED, subject=bob.email
    ).exists()
    assert not is_member(tenant_a, bob), "an invitation alone makes nobody a member"

    anonymous = Client().get(path)
    assert anonymous.status_code == 200
    assert "Join Alpha" in anonymous.content.decode()
    assert not is_member(tenant_a, bob)

    bob_client = signed_in(bob.username)
    page = bob_client.get(path)
    assert page.status_code == 200 and "Accept as beta-admin" in page.content.decode()
    assert not is_member(tenant_a, bob)

    response = bob_client.post(path)

    assert response.status_code == 302 and response.url == "/"  # the home page
    membership = Membership.objects.get(tenant=tenant_a, user=bob)
    assert (membership.role, membership.is_active) == (Role.MANAGER, True)
    assert sorted(Membership.objects.filter(user=bob).values_list("tenant__slug", "role")) == [
        ("alpha", Role.MANAGER),
        ("beta", Role.ADMIN),
    ]
    assert account_state(bob) == before
    bob.refresh_from_db()
    assert bob.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert invitation.accepted_by == bob and invitation.status == "accepted"
    actions = set(
        MembershipEvent.objects.filter(tenant=tenant_a, user=bob).values_list("action", flat=True)
    )
    assert actions == {MembershipAction.INVITATION_ACCEPTED, MembershipAction.ADDED}
    assert not MembershipEvent.objects.filter(tenant=tenant_b).exists()

    assert bob_client.session[TENANT_SESSION_KEY] == "alpha"
    leads = bob_client.get(response.url)
    assert leads.wsgi_request.tenant == tenant_a
    assert "Welcome to Alpha: you are now manager there." in leads.content.decode()

    # The link is spent: neither Bob nor anyone else gets anything from it again.
    again = bob_client.post(path)
    assert again.status_code == 404 and INVALID in again.content.decode()
    assert Client().get(path).status_code == 404
    carol = get_user_model().objects.create_user("carol", "carol@else.example", PASSWORD)
    assert signed_in("carol").post(path).status_code == 404
    assert not is_member(tenant_a, carol)
    assert Membership.objects.filter(tenant=tenant_a, user=bob).count() == 1


def test_inviting_an_address_with_or_without_an_account_answers_alike(
    alpha, smtp_server, django_capture_on_commit_callbacks, admin_b
):
    known = alpha.post(INVITE, {"email": admin_b.user.email, "role": "agent"}, follow=True)
    unknown = alpha.post(INVITE, {"email": "nobody@nowhere.example", "role": "agent"}, follow=True)
    notices = [[str(m) for m in r.context["messages"]] for r in (known, unknown)]
    assert notices == [
        [f"Invitation sent to {admin_b.user.email}."],
        ["Invitation sent to nobody@nowhere.example."],
    ]


@pytest.mark.parametrize("spoil", ["last_character", "payload", "wrong_nonce", "truncated"])
def test_a_tampered_link_is_404(
    alpha, smtp_server, django_capture_on_commit_callbacks, tenant_a, admin_b, spoil
):
    _, path = invite(alpha, smtp_server, django_capture_on_commit_callbacks, admin_b.user.email)
    token = path.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get(tenant=tenant_a)
    if spoil == "last_character":
        bad = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif spoil == "payload":
        bad = ("A" if token[0] != "A" else "B") + token[1:]
    elif spoil == "wrong_nonce":  # correctly signed, but not this invitation's nonce
        bad = signing.dumps(
            {"i": invitation.pk, "n": "x" * 32}, salt=member_services.INVITATION_SALT
        )
    else:
        bad = token[: len(token) // 2]
    assert bad != token
    bad_path = f"/invitations/{bad}/"

    bob_client = signed_in(admin_b.user.username)
    assert bob_client.get(bad_path).status_code == 404
    response = bob_client.post(bad_path)
    assert response.status_code == 404 and INVALID in response.content.decode()
    assert not is_member(tenant_a, admin_b.user)
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    anonymous = Client().post(
        bad_path,
        {"username": "sneaky", "password": "sneaky-pass-1", "password_again": "sneaky-pass-1"},
    )
    assert anonymous.status_code == 404
    assert not get_user_model().objects.filter(username="sneaky").exists()
    # The genuine link still works.
    assert bob_client.post(path).status_code == 302
    assert is_member(tenant_a, admin_b.user)


def test_an_expired_invitation_is_refused(
    alpha, smtp_server, django_capture_on_commit_callbacks, tenant_a, admin_b
):
    _, path = invite(alpha, smtp_server, django_capture_on_commit_callbacks, admin_b.user.email)
    invitation = Invitation.objects.get(tenant=tenant_a)
    invitation.expires_at = timezone.now() - timedelta(seconds=1)
    invitation.save(update_fields=["expires_at"])
    assert invitation.status == "expired"

    bob_client = signed_in(admin_b.user.username)
    assert bob_client.get(path).status_code == 404
    response = bob_client.post(path)

    assert response.status_code == 404 and INVALID in response.content.decode()
    assert not is_member(tenant_a, admin_b.user)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_revoked_invitation_is_refused(
    alpha, smtp_server, django_capture_on_commit_callbacks, tenant_a, admin_a, admin_b
):
    _, path = invite(alpha, smtp_server, django_capture_on_commit_callbacks, admin_b.user.email)
    invitation = Invitation.objects.get(tenant=tenant_a)

    response = alpha.post(
        INVITATIONS, {"action": "revoke_selected", "_selected_action": [invitation.pk]}
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    event = MembershipEvent.objects.get(tenant=tenant_a, action=MembershipAction.INVITATION_REVOKED)
    assert (event.subject, event.actor) == (admin_b.user.email, admin_a.user)

    bob_client = signed_in(admin_b.user.username)
    assert bob_client.get(path).status_code == 404
    response = bob_client.post(path)
    assert response.status_code == 404 and INVALID in response.content.decode()
    assert not is_member(tenant_a, admin_b.user)
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_newcomer_creates_an_account_on_the_link_page(
    alpha, smtp_server, django_capture_on_commit_callbacks, tenant_a, admin_a
):
    address = "newcomer@elsewhere.example"
    _, path = invite(alpha, smtp_server, django_capture_on_commit_callbacks, address, "agent")
    User = get_user_model()
    guest = Client()
    page = guest.get(path).content.decode()
    assert "Create account and join" in page and "Log in to accept" in page

    differ = guest.post(
        path, {"username": "newcomer", "password": "newcomer-pw-1", "password_again": "other-pw-1"}
    )
    assert differ.status_code == 400 and "The two passwords differ." in differ.content.decode()
    short = guest.post(
        path, {"username": "newcomer", "password": "short", "password_again": "short"}
    )
    assert short.status_code == 400 and "too short" in short.content.decode()
    assert not User.objects.filter(username="newcomer").exists()
    assert not Membership.objects.filter(tenant=tenant_a, user__email=address).exists()

    # An existing username is refused: signing up is no way into someone's account either.
    before = account_state(admin_a.user)
    taken = guest.post(
        path,
        {"username": "alpha-admin", "password": "taken-pw-12", "password_again": "taken-pw-12"},
    )
    assert taken.status_code == 400
    assert member_services.USERNAME_UNAVAILABLE_SIGNUP in taken.content.decode()
    assert account_state(admin_a.user) == before
    assert SESSION_KEY not in guest.session
    assert Invitation.objects.get(tenant=tenant_a).status == "pending"

    response = guest.post(
        path,
        {"username": "newcomer", "password": "newcomer-pw-1", "password_again": "newcomer-pw-1"},
    )

    assert response.status_code == 302 and response.url == "/"  # the home page
    user = User.objects.get(username="newcomer")
    assert user.email == address and user.check_password("newcomer-pw-1")
    assert not user.is_staff and not user.is_superuser
    assert list(Membership.objects.filter(user=user).values_list("tenant", "role")) == [
        (tenant_a.pk, Role.AGENT)
    ]
    assert int(guest.session[SESSION_KEY]) == user.pk  # signed in as the new account
    assert "Welcome to Alpha: you are now agent there." in guest.get("/").content.decode()
    invitation = Invitation.objects.get(tenant=tenant_a)
    assert invitation.accepted_by == user
    # Used once: a second sign-up from the same link makes nothing.
    again = Client().post(
        path, {"username": "second", "password": "second-pw-12", "password_again": "second-pw-12"}
    )
    assert again.status_code == 404
    assert not User.objects.filter(username="second").exists()


def test_tenant_b_does_not_see_tenant_a_invitations(
    alpha, client, smtp_server, django_capture_on_commit_callbacks, tenant_a, admin_b
):
    invite(alpha, smtp_server, django_capture_on_commit_callbacks, "zq-invitee@alpha.example")
    invitation = Invitation.objects.get(tenant=tenant_a)
    assert list(alpha.get(INVITATIONS).context["cl"].result_list) == [invitation]

    client.force_login(admin_b.user)  # the same client, now tenant B's admin
    page = client.get(INVITATIONS)
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == []
    assert "zq-invitee@alpha.example" not in page.content.decode()
    assert client.get(f"{INVITATIONS}{invitation.pk}/change/").status_code == 404
    client.post(INVITATIONS, {"action": "revoke_selected", "_selected_action": [invitation.pk]})
    invitation.refresh_from_db()
    assert invitation.status == "pending"
