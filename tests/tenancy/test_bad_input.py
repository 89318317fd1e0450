"""No input gives a 500: every write route and every list filter of the API is fed bad input,
and each answer is a 400 (413 for a body over the size limit, 415 for a body that is not JSON)
that names the field or parameter, with nothing written (every row of every app unchanged).
Runs on SQLite and PostgreSQL alike; PostgreSQL itself refuses the NUL byte, so run it with
DATABASE_URL pointing at PostgreSQL too.

The inputs tried, per route family. The routes and the bodies they are spoiled from are WRITES
in bad_input_routes.py:
- leads (create, PUT/PATCH, notes, convert, bulk status, assign), customers (create, PATCH,
  custom-field PATCH, capture), lead sources, sub-sources and channels, milestone types,
  templates, records, a record's status and a lead's template, callbacks (create, PATCH, status,
  complete, assign, notes, auto-assign), smart-tag rules (create, PATCH), campaigns (create,
  PATCH, audience-count, preview, conversions, ad metrics, from the template library), the
  campaign catalogue (types, channels, statuses, budget types, templates), custom-field
  definitions (create, PATCH, reorder, industry template) and token sign-in, each with:
  - a NUL byte in every string of the body, and in every key, one at a time: plain fields,
    codes and ids as text, list items (tags, sequences, KPIs, channels), custom values, JSON
    fields (metadata, validation rules) and every value of an audience condition;
  - 2^63, 1e30 and 1e400 in every number and id of the body: scores, amounts, budgets, costs,
    durations, ids of leads, customers, callbacks, members and templates, custom number values,
    validation-rule bounds, and the numbers of audience conditions (a core metric, a custom
    number field, an `in` list);
  - JSON nested 10,000 deep, and 33 deep inside the body;
  - a body one field over DATA_UPLOAD_MAX_MEMORY_SIZE (413) and a form-encoded body (415);
  - every date and date-time of the body (audience conditions included) at the ends of the
    calendar (0001-01-01, 9999-12-31, with time zones that push them past): accepted or a 400.
- list filters: every query parameter the schema declares for every GET operation (filters,
  `search`, `ordering`, `page`, `page_size`, dates, codes, ids, analytics periods) and
  `cf_<key>` filters, each with a NUL byte; every integer parameter with 2^64; every date and
  date-time parameter at the ends of the calendar.
- list limits: `cf_<key>__in` and `tags` with 10,000 values (400 "at most 100"), a parameter
  repeated 1,001 times (400), `page_size` of a million (500 rows, the documented maximum).
- members and invitations have no API write route (members/ is read-only; invitations are made
  in the admin and accepted on a page): test_bad_input_pages.py fills their forms, and every
  other page form, with NUL bytes, and sends one in the X-Tenant-ID header.
"""

import copy
import json
import re
from functools import cache

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from tests.tenancy.bad_input_routes import (  # noqa: F401 (alpha: a fixture)
    NUL,
    UPLOADS,
    WRITES,
    alpha,
)

HUGE = (2**63, 1e30)
# Dates at the ends of what Python and the databases hold; a time zone pushes them past it.
EXTREMES = {
    "date": ("0001-01-01", "9999-12-31"),
    "date-time": ("0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-12:00"),
}
APPS = ("tenancy", "crm", "customfields", "callbacks", "milestones", "campaigns")


# ---------------------------------------------------------------------------------------------
# Helpers


def rows() -> dict:
    """Every row of every app, as stored."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for app in APPS
        for model in apps.get_app_config(app).get_models()
    }


def send(client, method, url, body=None, *, raw=None, content_type="application/json"):
    """One request in a savepoint, so a server error does not end the test's transaction."""
    savepoint = transaction.savepoint()
    data = raw if raw is not None else json.dumps(body)
    response = client.generic(method.upper(), url, data, content_type=content_type)
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    return response


def strings(value, path=()):
    """(path, is_key) of every string in a JSON value, dict keys included."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), True
            yield from strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, (*path, index))
    elif isinstance(value, str):
        yield path, False


def leaf(body, path):
    for step in path:
        body = body[step]
    return body


def replaced(body, path, new=None, *, key=False):
    body = copy.deepcopy(body)
    parent = body
    for step in path[:-1]:
        parent = parent[step]
    if key:
        parent[f"{path[-1][:1]}{NUL}{path[-1][1:]}"] = parent.pop(path[-1])
    else:
        old = parent[path[-1]]
        parent[path[-1]] = new if new is not None else f"{old[:1]}{NUL}{old[1:]}"
    return body


def date_kind(text: str) -> str | None:
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return "date"
    if re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:]+(Z|[+-][\d:]+)", text):
        return "date-time"
    return None


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def keys(data) -> set:
    if isinstance(data, dict):
        return set(data).union(*(keys(value) for value in data.values()))
    return set()


def names(response, field) -> bool:
    """The error names `field` (a key of the body, at any depth of the error: the custom values
    of a customer are named under `custom_fields`), or is about the body itself."""
    data = response.json()
    return field in keys(data) if field is not None else bool(data)


def check(problems, what, response, field, statuses=(400,), message=""):
    """`response` answers the bad input `what` with one of `statuses`, naming `field` (and
    saying `message`); else a line in `problems`."""
    if response.status_code not in statuses:
        problems.append(f"{what}: {response.status_code} {response.content[:200]!r}")
    elif not names(response, field):
        problems.append(f"{what}: does not name {field}: {response.content[:200]!r}")
    elif message not in response.content.decode():
        problems.append(f"{what}: does not say {message!r}: {response.content[:200]!r}")


# ---------------------------------------------------------------------------------------------
# Bodies


def test_every_write_route_is_fed():
    """A new write route must join WRITES (PUT and PATCH share a serializer: one of them will
    do), unless it reads no body."""
    from tests.tenancy.test_api_walk import api_routes

    fed = {write.name for write in WRITES} | set(UPLOADS)
    without_body = {"archive", "restore", "deactivate", "claim_next", "launch", "pause"}
    without_body |= {"resume", "complete", "reopen", "destroy", "apply", "rebuild", "undo"}
    for name, _cls, actions, _kwargs in api_routes():
        for method, action in actions.items():
            if method in ("post", "put", "patch") and name not in fed:
                assert action in without_body, f"{name} ({method}) takes a body: add it to WRITES"


@pytest.mark.parametrize("write", WRITES, ids=[write.id for write in WRITES])
def test_the_bodies_are_valid(alpha, api, write):  # noqa: F811
    """The bodies the bad-input test spoils are accepted as they are, so a 400 there is the
    bad input's."""
    with transaction.atomic():
        response = send(api(alpha.admin), write.method, write.url(alpha), write.data(alpha))
        transaction.set_rollback(True)
    assert response.status_code in (200, 201, 202), response.content  # 202: events/


@pytest.mark.parametrize("write", WRITES, ids=[write.id for write in WRITES])
def test_bad_bodies_are_refused_and_nothing_is_written(alpha, api, write):  # noqa: F811
    client = api(alpha.admin)
    client.raise_request_exception = False
    method, url, base = write.method, write.url(alpha), write.data(alpha)
    before = rows()
    problems: list[str] = []
    for path, is_key in strings(base):
        field = path[0] if len(path) > 1 or not is_key else None
        response = send(client, method, url, replaced(base, path, key=is_key))
        check(problems, f"NUL at {path}{' (key)' if is_key else ''}", response, field)
    for path in write.number_paths():
        for number in HUGE:
            response = send(client, method, url, replaced(base, path, number))
            check(problems, f"{number} at {path}", response, path[0])
        raw = json.dumps(replaced(base, path, "<huge>")).replace('"<huge>"', "1e400")
        check(problems, f"1e400 at {path}", send(client, method, url, raw=raw), path[0])
    deep = send(client, method, url, raw=nested(10_000))
    check(problems, "nested 10,000 deep", deep, None, message="nested deeper")
    first = next(iter(base))
    raw = json.dumps(base)[:-1] + f', "{first}x": {nested(33)}}}'
    check(
        problems,
        "nested 33 deep",
        send(client, method, url, raw=raw),
        None,
        message="nested deeper",
    )
    big = json.dumps({**base, first: "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    check(problems, "over the size limit", send(client, method, url, raw=big), None, (413,))
    form = send(client, method, url, raw="a=b", content_type="application/x-www-form-urlencoded")
    check(problems, "a form body", form, None, (415,))
    for path, is_key in strings(base):
        for extreme in () if is_key else EXTREMES.get(date_kind(leaf(base, path)), ()):
            with transaction.atomic():  # an extreme date may be a fine one: undo what it wrote
                response = send(client, method, url, replaced(base, path, extreme))
                transaction.set_rollback(True)
            if response.status_code not in (200, 201, 202, 400):
                problems.append(f"{extreme} at {path}: {response.status_code}")
    if rows() != before:
        problems.append("rows were written")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------
# Query parameters


@cache
def get_operations() -> list[tuple[str, list[tuple[str, str]]]]:
    """(path, [(parameter, kind)]) of every GET operation; kind is the schema's type, or
    "date"/"date-time" for dates (by format, or a name ending in _date)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, methods in schema["paths"].items():
        if "get" not in methods:
            continue
        params = []
        for p in methods["get"].get("parameters", []):
            if p["in"] != "query" or "<" in p["name"]:
                continue
            spec = p.get("schema", {})
            kind = spec.get("format") or spec.get("type", "string")
            params.append((p["name"], "date" if p["name"].endswith("_date") else kind))
        operations.append((path, params))
    return operations


def fill(path: str, w) -> str:
    """The schema's path with tenant A's objects in it."""
    by_parent = {
        ("leads", "id"): w.lead,
        ("customers", "id"): w.customer,
        ("callbacks", "id"): w.callback,
        ("campaigns", "id"): w.campaign,
        ("templates", "id"): w.cp_template,
        ("campaign-templates", "id"): w.cp_template,
        ("milestone-templates", "id"): w.ms_template,
        ("campaign-executions", "id"): 1,
        ("notes", "id"): w.note,
        ("segments", "id"): w.segment,
        ("campaign-triggers", "id"): w.ids["trigger"],
        ("milestone-types", "type_code"): "LEAD_GENERATED",
        ("campaign-types", "type_code"): "EMAIL_BLAST",
        ("type", "type_code"): "EMAIL_BLAST",
        ("lead-channels", "channel_code"): "DIRECT",
        ("campaign-channels", "channel_code"): "EMAIL",
        ("channel", "channel_code"): "EMAIL",
    }
    by_name = {
        "lead_id": w.lead,
        "milestone_id": w.milestone,
        "field_key": "nickname",
        "source_code": "SOCIAL",
        "sub_source_code": "FACEBOOK",
        "status_code": "DRAFT",
        "budget_type_code": "TOTAL",
        "user_id": w.admin.user_id,
    }
    parts = path.strip("/").split("/")
    for i, part in enumerate(parts):
        if part.startswith("{"):
            name = part[1:-1]
            parts[i] = str(by_parent.get((parts[i - 1], name), by_name.get(name)))
    return "/" + "/".join(parts) + "/"


def test_every_query_parameter_refuses_bad_values(alpha, api):  # noqa: F811
    client = api(alpha.admin)
    client.raise_request_exception = False
    before = rows()
    problems: list[str] = []
    checked = 0
    for path, params in get_operations():
        url = fill(path, alpha)
        extra = [("cf_nickname", "string"), ("cf_loyalty_points__gte", "string")]
        for param, kind in params + (extra if url.endswith("/customers/") else []):
            check(problems, f"{url}?{param}=NUL", client.get(url, {param: f"a{NUL}b"}), param)
            tries = [str(2**64)] if kind in ("integer", "int64") else list(EXTREMES.get(kind, ()))
            for value in tries:  # a page past the last is a 404; a route may ignore `page`
                ok = (200, 400, 404) if param == "page" else (200, 400)
                response = client.get(url, {param: value})
                if response.status_code not in ok:
                    problems.append(f"{url}?{param}={value}: {response.status_code}")
            checked += 1
    assert checked >= 80
    if rows() != before:
        problems.append("rows were written")
    assert not problems, "\n".join(problems)


def test_list_values_and_page_sizes_are_limited(alpha, api):  # noqa: F811
    client = api(alpha.admin)
    client.raise_request_exception = False
    many = ",".join(str(n) for n in range(10_000))
    for url, param in [
        (reverse("customer-list"), "cf_nickname__in"),
        (reverse("customer-list"), "cf_loyalty_points__in"),
        (reverse("customer-list"), "tags"),
        (reverse("lead-list"), "tags"),
    ]:
        response = client.get(url, {param: many})
        assert response.status_code == 400, (url, param, response.content[:200])
        assert "at most" in str(response.json()[param]), response.json()
    response = client.get(reverse("lead-list"), {"page_size": 1_000_000})
    assert response.status_code == 200
    response = client.get(reverse("callback-list"), {"status": ["pending"] * 1_001})
    assert response.status_code == 400, response.content[:200]
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.json()["detail"]


# ---------------------------------------------------------------------------------------------
# One content type, and where a problem is named


def test_the_schema_offers_json_bodies_only():
    """JSON everywhere, but the uploads (UPLOADS), which take multipart/form-data only."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    bodies = {
        (path, method): set(operation["requestBody"]["content"])
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if "requestBody" in operation
    }
    uploads = {reverse(name) for name in UPLOADS}
    assert len(bodies) >= 50
    assert {path for (path, _), kinds in bodies.items() if "multipart/form-data" in kinds} == (
        uploads
    )
    assert {frozenset(kinds) for (path, _), kinds in bodies.items() if path not in uploads} == {
        frozenset({"application/json"})
    }
    assert {frozenset(bodies[(path, "post")]) for path in uploads} == {
        frozenset({"multipart/form-data"})
    }


def test_sign_in_takes_json_and_refuses_a_form(client, admin_a):
    url = reverse("auth-token")
    credentials = {"username": "alpha-admin", "password": "pass-word-1"}
    assert client.post(url, credentials, content_type="application/json").status_code == 200
    assert client.post(url, credentials).status_code == 415  # multipart, as a browser form


def test_the_browsable_api_and_the_docs_still_work(client, admin_a):
    client.force_login(admin_a.user)
    page = client.get(reverse("lead-list"), HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert "application/json" in page.content.decode()
    assert client.get(reverse("api-docs")).status_code == 200
    assert client.get(reverse("schema")).status_code == 200


def test_a_nul_byte_is_named_where_it_is(alpha, api):  # noqa: F811
    body = {
        "name": "X",
        "campaign_type": "EMAIL_BLAST",
        "contents": [{"channel": "EMAIL", "body": "ok"}, {"channel": "EMAIL", "body": f"a{NUL}"}],
        "audience": {"field": "first_name", "op": "eq", "value": f"a{NUL}"},
        f"x{NUL}": 1,
    }
    response = api(alpha.admin).post(reverse("campaign-list"), body)
    assert response.status_code == 400
    message = ["Null characters are not allowed."]
    assert response.json() == {
        "contents": {"1": {"body": message}},
        "audience": {"value": message},
        "detail": ["Null characters are not allowed in names."],
    }


def test_condition_numbers_beyond_their_column_are_refused(tenant_a):
    from crm.conditions import compile_condition

    for field in ("crm_score", "total_interactions", "total_spent"):
        condition = {"all": [{"field": field, "op": "gte", "value": 10**30}]}
        with pytest.raises(DjangoValidationError) as refused:
            compile_condition(condition, tenant=tenant_a)
        assert refused.value.message_dict["audience"][0].startswith(
            "all[0].value: Give a number between"
        ), field
    with pytest.raises(DjangoValidationError, match="Null characters"):
        compile_condition({"field": "tags", "op": "has", "value": NUL}, tenant=tenant_a)
