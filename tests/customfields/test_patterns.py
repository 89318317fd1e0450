"""ReDoS: a text field's `validation_rules.pattern` runs on RE2 (linear time), through the API
doors the attack used. Patterns RE2 cannot run, invalid or over-long ones are a 400 on
`validation_rules` when the field is saved; a hostile pattern stored before this check (written
straight to the database) still answers a value check with a 400 naming the field, never a hang
or a 500. No test asserts on elapsed time: the join timeouts only stop a hung test."""

import threading

import pytest
from django.db import connection

from crm.models import Customer
from customfields.models import FieldDefinition, FieldHistory
from customfields.patterns import MAX_PATTERN_LENGTH, compile_pattern
from customfields.services.definitions import definition_create
from tenancy.actors import OPERATOR

FIELDS = "/api/v1/custom-fields/"
CUSTOMERS = "/api/v1/customers/"
NESTED = "(a+)+$"  # catastrophic backtracking on Python's re; linear and harmless on RE2
HOSTILE_VALUE = "a" * 40 + "!"
JOIN_TIMEOUT = 30  # seconds; only so that a hang fails the test instead of blocking the run


@pytest.fixture
def admin(api, admin_a):
    return api(admin_a)


@pytest.fixture
def member(api, manager_a):
    return api(manager_a)


def define(client, key="code", **rules):
    return client.post(
        FIELDS,
        {
            "field_key": key,
            "field_label": key.title(),
            "field_type": "text",
            "validation_rules": rules,
        },
        format="json",
    )


def new_customer(client) -> int:
    response = client.post(CUSTOMERS, {"first_name": "Ann"}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def patch_code(client, customer_id, value):
    return client.patch(
        f"{CUSTOMERS}{customer_id}/", {"custom_fields": {"code": value}}, format="json"
    )


def assert_nothing_written(customer_id):
    assert Customer.objects.get(pk=customer_id).custom_text_1 is None
    assert not FieldHistory.objects.exists()


def test_a_nested_quantifier_is_accepted_because_re2_runs_it_in_linear_time(admin):
    response = define(admin, pattern=NESTED, pattern_message="must be a run of a's.")
    assert response.status_code == 201, response.json()
    assert FieldDefinition.objects.get().validation_rules["pattern"] == NESTED
    changed = admin.patch(
        f"{FIELDS}code/", {"validation_rules": {"pattern": "(x+x+)+y"}}, format="json"
    )
    assert changed.status_code == 200, changed.json()


@pytest.mark.parametrize(
    "value, message",
    [
        (HOSTILE_VALUE, "Code must be a run of a's."),
        # the longest value text fields take, then a far longer one
        pytest.param("a" * 499 + "!", "Code must be a run of a's.", id="500-chars"),
        pytest.param("a" * 100_000 + "!", "Code must be at most 500 characters.", id="100k-chars"),
    ],
)
def test_a_hostile_value_is_a_quick_400_naming_the_field_and_writes_nothing(
    admin, member, value, message
):
    assert define(admin, pattern=NESTED, pattern_message="must be a run of a's.").status_code == 201
    customer_id = new_customer(member)
    response = patch_code(member, customer_id, value)
    assert response.status_code == 400
    assert response.json() == {"custom_fields": {"code": [message]}}
    nested = member.patch(
        f"{CUSTOMERS}{customer_id}/custom-fields/", {"code": value}, format="json"
    )
    assert nested.status_code == 400 and "code" in nested.json()["custom_fields"]
    assert_nothing_written(customer_id)
    # and a value the pattern does match is written
    assert patch_code(member, customer_id, "a" * 40).status_code == 200
    assert Customer.objects.get(pk=customer_id).custom_text_1 == "a" * 40


@pytest.mark.parametrize(
    "pattern, says",
    [
        (r"(a)\1", "Backreferences"),
        ("(?=a)a", "lookarounds"),
        ("(?<!a)b", "lookarounds"),
        pytest.param(
            "a" * (MAX_PATTERN_LENGTH + 1), f"at most {MAX_PATTERN_LENGTH} characters", id="long"
        ),
        ("([", "is not a valid regular expression"),
        (r"\pL{1000}", "too complex"),  # compiles to more than RE2's memory budget
        ("((a{100}){100}){100}", "too complex"),
        (42, "is not a valid regular expression"),
    ],
)
def test_a_pattern_re2_cannot_run_is_a_400_on_validation_rules_and_writes_nothing(
    admin, pattern, says
):
    response = define(admin, pattern=pattern)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert list(body) == ["validation_rules"]
    assert body["validation_rules"][0].startswith("'pattern' ")
    assert says in body["validation_rules"][0]
    assert not FieldDefinition.objects.exists()


@pytest.mark.parametrize(
    "pattern",
    [r"(a)\1", "(?=a)", "([", pytest.param("a" * (MAX_PATTERN_LENGTH + 1), id="long")],
)
def test_patching_a_field_to_a_pattern_re2_cannot_run_is_a_400_and_changes_nothing(admin, pattern):
    assert define(admin, pattern="[A-Z]+").status_code == 201
    response = admin.patch(
        f"{FIELDS}code/", {"validation_rules": {"pattern": pattern}}, format="json"
    )
    assert response.status_code == 400 and "validation_rules" in response.json()
    assert FieldDefinition.objects.get().validation_rules == {"pattern": "[A-Z]+"}


@pytest.mark.parametrize(
    "stored, value, status",
    [
        (NESTED, HOSTILE_VALUE, 400),  # checked by RE2: a quick "not in the expected format"
        (NESTED, "aaaa", 200),  # and the correct answer for a matching value
        (r"(a+)+\1", HOSTILE_VALUE, 400),  # RE2 cannot compile it: a clear 400, not a 500
        ("(?=(a+)+$)a*", "aaaa", 400),
        ("([", "aaaa", 400),
        pytest.param("(a+)+$" * 20_000, "aaaa", 400, id="over-long"),
    ],
)
def test_a_hostile_pattern_stored_before_the_check_is_still_checked_safely(
    admin, member, tenant_a, stored, value, status
):
    definition = definition_create(
        tenant=tenant_a,
        by=OPERATOR,
        data={"field_key": "code", "field_label": "Code", "field_type": "text"},
    )
    FieldDefinition.objects.filter(pk=definition.pk).update(validation_rules={"pattern": stored})
    customer_id = new_customer(member)
    response = patch_code(member, customer_id, value)
    assert response.status_code == status, response.json()
    if status == 400:
        assert list(response.json()["custom_fields"]) == ["code"]
        message = response.json()["custom_fields"]["code"][0]
        assert message.startswith("Code ")
        if stored != NESTED:
            assert "cannot be checked" in message
        assert_nothing_written(customer_id)
    else:
        assert Customer.objects.get(pk=customer_id).custom_text_1 == value


@pytest.mark.django_db(transaction=True)
def test_other_requests_are_answered_while_a_hostile_pattern_is_checked(
    api, admin_a, manager_a, agent_a
):
    """The hostile PATCH runs in one thread, an unrelated request in another, each with its own
    client and database connection; both must finish (the timeout only turns a hang into a
    failure)."""
    assert define(api(admin_a), pattern=NESTED).status_code == 201
    customer_id = new_customer(api(manager_a))
    start = threading.Barrier(2, timeout=JOIN_TIMEOUT)
    results: dict[str, int] = {}
    errors: list[BaseException] = []
    hostile_client, other_client = api(manager_a), api(agent_a)  # tokens made here, up front

    def hostile():
        try:
            start.wait()
            for _ in range(20):
                response = patch_code(hostile_client, customer_id, HOSTILE_VALUE)
                results["hostile"] = response.status_code
                if response.status_code != 400:
                    break
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)
        finally:
            connection.close()

    def other():
        try:
            start.wait()
            results["other"] = other_client.get(FIELDS).status_code
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hostile), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    assert errors == []
    assert results == {"hostile": 400, "other": 200}
    assert_nothing_written(customer_id)


def test_re2_matches_a_long_hostile_input_directly():
    """Below the API's caps too: RE2 gives the answer for 100,000 characters against the
    pattern that makes Python's re backtrack forever."""
    compiled = compile_pattern(NESTED)
    assert compiled.fullmatch("a" * 100_000 + "!") is None
    assert compiled.fullmatch("a" * 100_000) is not None
