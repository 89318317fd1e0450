"""Regression tests for the account takeover through the members admin: a tenant admin adding a
"member" with another tenant's admin's (or a superuser's) username plus a new password and
email used to reset that account. Every attack goes through the door it used: a real POST to
/admin/tenancy/membership/add/ as tenant A's admin. Also the membership log, the operator's
command, role changes, and the admin's guard on their own role."""

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from tenancy.models import Membership, MembershipAction, MembershipEvent, Role
from tenancy.services import members as member_services

ADD = "/admin/tenancy/membership/add/"
EVENTS = "/admin/tenancy/membershipevent/"
# tests.factories.UserFactory gives every user this password.
PASSWORD = "pass-word-1"
ROOT_PASSWORD = "root-pass-word-1"
ATTACK = {"password": "Attacker-chosen-9", "email": "mallory@evil.example", "role": "admin"}


def change_url(membership):
    return f"/admin/tenancy/membership/{membership.pk}/change/"


@pytest.fixture
def alpha(client, admin_a):
    """tenant A's admin, signed in to the admin."""
    client.force_login(admin_a.user)
    return client


@pytest.fixture
def root(db):
    return get_user_model().objects.create_superuser("root", "root@ops.example", ROOT_PASSWORD)


@pytest.fixture(params=["tenant_b_admin", "superuser"])
def victim(request):
    """Whose account the attack targets, and that account's real password."""
    if request.param == "superuser":
        return request.getfixturevalue("root"), ROOT_PASSWORD
    return request.getfixturevalue("admin_b").user, PASSWORD


def account_state(user):
    """Everything about an account the attack could change, read fresh from the database."""
    user = get_user_model().objects.get(pk=user.pk)
    return {
        "username": user.username,
        "password": user.password,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "memberships": sorted(
            Membership.objects.filter(user=user).values_list("tenant__slug", "role", "is_active")
        ),
    }


def form_errors(response):
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def signs_in(username, password) -> int | None:
    """Sign in through the login page with a fresh client; the user id signed in, if any."""
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    if response.status_code != 302:
        return None
    return int(client.session[SESSION_KEY])


def events(tenant, **filters):
    return MembershipEvent.objects.filter(tenant=tenant, **filters)


# ---------------------------------------------------------------------------------------------
# The attack


def test_adding_someone_elses_username_with_a_new_password_is_refused(alpha, tenant_a, victim):
    user, real_password = victim
    before = account_state(user)
    members_of_a = set(Membership.objects.filter(tenant=tenant_a).values_list("pk", flat=True))

    response = alpha.post(ADD, {"username": user.username, **ATTACK})

    errors = form_errors(response)
    assert errors["username"] == [member_services.USERNAME_UNAVAILABLE]
    assert member_services.USERNAME_UNAVAILABLE in response.content.decode()
    assert account_state(user) == before
    user.refresh_from_db()
    assert user.check_password(real_password)
    assert not user.check_password(ATTACK["password"])
    assert user.email != ATTACK["email"]
    assert not Membership.objects.filter(tenant=tenant_a, user=user).exists()
    assert set(Membership.objects.filter(tenant=tenant_a).values_list("pk", flat=True)) == (
        members_of_a
    )
    assert not events(tenant_a).exists()
    assert signs_in(user.username, real_password) == user.pk
    assert signs_in(user.username, ATTACK["password"]) is None


def test_the_refusal_keeps_nothing_from_the_validation_run(alpha, tenant_a, admin_b):
    """The admin form runs the service once while validating (rolled back) and once on save:
    a refused add leaves no user, membership or event behind from either run."""
    users = get_user_model().objects.count()
    alpha.post(ADD, {"username": admin_b.user.username, **ATTACK})
    assert get_user_model().objects.count() == users
    assert not MembershipEvent.objects.exists()


def test_an_existing_username_without_a_password_is_refused(alpha, tenant_a, admin_b):
    before = account_state(admin_b.user)
    count = Membership.objects.count()

    response = alpha.post(ADD, {"username": admin_b.user.username, "role": "agent"})

    assert "password" in form_errors(response)
    assert Membership.objects.count() == count
    assert not Membership.objects.filter(tenant=tenant_a, user=admin_b.user).exists()
    assert account_state(admin_b.user) == before
    assert not events(tenant_a).exists()


def test_the_refusal_does_not_tell_which_usernames_exist(alpha, tenant_a, admin_b, root):
    """Without a password, a username that exists (here or anywhere) and one that exists
    nowhere get the same errors; with a password, every existing username gets one wording."""
    nobody = "nobody-anywhere"
    assert not get_user_model().objects.filter(username=nobody).exists()
    no_password = {
        name: form_errors(alpha.post(ADD, {"username": name, "role": "agent"}))
        for name in (admin_b.user.username, root.username, "alpha-admin", nobody)
    }
    assert no_password[nobody] == no_password[admin_b.user.username]
    assert no_password[nobody] == no_password[root.username]
    assert no_password[nobody] == no_password["alpha-admin"]

    with_password = {
        name: form_errors(alpha.post(ADD, {"username": name, **ATTACK}))["username"]
        for name in (admin_b.user.username, root.username, "alpha-admin")
    }
    assert set(map(tuple, with_password.values())) == {(member_services.USERNAME_UNAVAILABLE,)}
    assert not get_user_model().objects.filter(username=nobody).exists()


def test_the_service_does_not_tell_which_usernames_exist_either(admin_a, tenant_a, admin_b):
    """The same rule one layer down, for any other caller of member_add than the admin form
    (which requires the password field before it calls the service)."""

    def refusal(username):
        with pytest.raises(ValidationError) as caught:
            member_services.member_add(
                tenant=tenant_a, username=username, role=Role.AGENT, by=admin_a, password=""
            )
        return caught.value.message_dict

    assert refusal(admin_b.user.username) == refusal("nobody-anywhere")
    assert not Membership.objects.filter(tenant=tenant_a, user=admin_b.user).exists()


# ---------------------------------------------------------------------------------------------
# What a tenant admin may do


def test_a_new_username_creates_the_user_and_records_it(alpha, client, tenant_a, admin_a, admin_b):
    response = alpha.post(
        ADD,
        {
            "username": "zq-newbie",
            "email": "newbie@alpha.example",
            "password": "newbie-pass-1",
            "role": "manager",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = get_user_model().objects.get(username="zq-newbie")
    assert user.email == "newbie@alpha.example"
    assert user.check_password("newbie-pass-1")
    assert not user.is_staff and not user.is_superuser
    assert list(Membership.objects.filter(user=user).values_list("tenant", "role")) == [
        (tenant_a.pk, Role.MANAGER)
    ]
    event = events(tenant_a).get()
    assert (event.action, event.user, event.actor, event.subject) == (
        MembershipAction.ADDED,
        user,
        admin_a.user,
        "zq-newbie",
    )
    assert signs_in("zq-newbie", "newbie-pass-1") == user.pk

    page = alpha.get(EVENTS)
    assert list(page.context["cl"].result_list) == [event]
    assert "zq-newbie" in page.content.decode()
    assert alpha.get(f"{EVENTS}{event.pk}/change/").status_code == 200

    client.force_login(admin_b.user)  # the same client, now tenant B's admin
    page = client.get(EVENTS)
    assert page.status_code == 200
    assert list(page.context["cl"].result_list) == []
    assert "zq-newbie" not in page.content.decode()
    assert client.get(f"{EVENTS}{event.pk}/change/").status_code == 404


def test_a_new_admin_gets_the_staff_flag(alpha, tenant_a):
    response = alpha.post(
        ADD, {"username": "zq-second-admin", "password": "second-pass-1", "role": "admin"}
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="zq-second-admin")
    assert user.is_staff and not user.is_superuser
    assert Membership.objects.get(user=user).tenant == tenant_a


def test_the_operator_command_may_set_an_existing_users_password(tenant_a, admin_b):
    user = admin_b.user
    call_command(
        "add_member",
        "alpha",
        user.username,
        "--role",
        "agent",
        "--password",
        "operator-set-1",
        "--email",
        "reset@ops.example",
    )
    user.refresh_from_db()
    assert user.check_password("operator-set-1")
    assert user.email == "reset@ops.example"
    assert sorted(Membership.objects.filter(user=user).values_list("tenant__slug", "role")) == [
        ("alpha", Role.AGENT),
        ("beta", Role.ADMIN),
    ]
    event = events(tenant_a).get()
    assert event.action == MembershipAction.ADDED and event.user == user
    assert event.actor is None  # the command line
    assert signs_in(user.username, "operator-set-1") == user.pk


# ---------------------------------------------------------------------------------------------
# Changing and removing members


def test_a_role_change_in_the_admin_is_recorded(alpha, tenant_a, admin_a, agent_a):
    response = alpha.post(change_url(agent_a), {"role": "manager", "is_active": "on"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    agent_a.refresh_from_db()
    assert agent_a.role == Role.MANAGER
    event = events(tenant_a).get()
    assert (event.action, event.user, event.actor, event.detail) == (
        MembershipAction.ROLE_CHANGED,
        agent_a.user,
        admin_a.user,
        "Agent → Manager",
    )


def test_an_admin_cannot_take_away_their_own_admin_role(alpha, tenant_a, admin_a):
    response = alpha.post(change_url(admin_a), {"role": "agent", "is_active": "on"})

    assert form_errors(response)["role"] == ["You cannot take away your own admin role."]
    admin_a.refresh_from_db()
    admin_a.user.refresh_from_db()
    assert admin_a.role == Role.ADMIN and admin_a.is_active
    assert admin_a.user.is_staff
    assert not events(tenant_a).exists()
    assert alpha.get(EVENTS).status_code == 200  # still an admin


def test_an_admin_cannot_deactivate_their_own_membership(alpha, tenant_a, admin_a):
    """Switching off one's own membership takes the admin role away as surely."""
    response = alpha.post(change_url(admin_a), {"role": "admin"})  # is_active unticked

    assert form_errors(response)["is_active"] == [
        "You cannot deactivate yourself; ask another admin."
    ]
    admin_a.refresh_from_db()
    assert admin_a.role == Role.ADMIN and admin_a.is_active
    assert not events(tenant_a).exists()
    assert alpha.get(EVENTS).status_code == 200


def test_an_admin_cannot_remove_themselves(alpha, tenant_a, admin_a):
    response = alpha.post(f"/admin/tenancy/membership/{admin_a.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert Membership.objects.filter(pk=admin_a.pk, role=Role.ADMIN, is_active=True).exists()
    assert not events(tenant_a).exists()


def test_another_tenants_members_cannot_be_changed(alpha, admin_b):
    assert alpha.get(change_url(admin_b)).status_code == 404
    assert alpha.post(change_url(admin_b), {"role": "agent"}).status_code == 404
    admin_b.refresh_from_db()
    assert admin_b.role == Role.ADMIN
    listed = alpha.get("/admin/tenancy/membership/").context["cl"].result_list
    assert admin_b not in listed


def test_removing_a_member_keeps_the_account_and_records_it(alpha, tenant_a, admin_a, agent_a):
    user = agent_a.user
    response = alpha.post(f"/admin/tenancy/membership/{agent_a.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=agent_a.pk).exists()
    assert get_user_model().objects.filter(pk=user.pk).exists()
    event = events(tenant_a).get()
    assert (event.action, event.subject, event.actor) == (
        MembershipAction.REMOVED,
        "alpha-agent",
        admin_a.user,
    )


def test_the_add_page_lists_no_other_accounts(alpha, admin_b, root):
    """The add page has no user picker: nothing about other accounts is shown to pick from."""
    page = alpha.get(ADD).content.decode()
    assert 'name="user"' not in page
    assert "beta-admin" not in page and "root@ops.example" not in page


def test_a_look_alike_of_an_existing_username_is_refused(client, admin_a, admin_b):
    client.force_login(admin_a.user)
    look_alike = admin_b.user.username.upper()
    response = client.post(
        "/admin/tenancy/membership/add/",
        {"username": look_alike, "password": "a-long-enough-pass", "role": "agent"},
    )
    assert response.status_code == 200
    assert "This username cannot be used here." in response.content.decode()
    assert not get_user_model().objects.filter(username=look_alike).exists()


def test_a_new_account_is_held_to_the_password_rules(client, admin_a):
    client.force_login(admin_a.user)
    response = client.post(
        "/admin/tenancy/membership/add/",
        {"username": "newbie", "password": "short", "role": "agent"},
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not get_user_model().objects.filter(username="newbie").exists()
