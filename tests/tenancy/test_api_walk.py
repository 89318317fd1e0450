"""Walks every API route of every app with two tenants: nothing of tenant B reaches tenant A's
admin — not in lists, details, updates, deletes, actions, filters or counts. A route that the
registry (tests/tenancy/registry.py) does not cover fails test_every_route_is_covered."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.tenancy.registry import MARKER, merged, snapshot

DETAIL_KWARGS = merged("DETAIL_KWARGS")
LIST_ONLY = merged("LIST_ONLY")
FOREIGN_POSTS = merged("FOREIGN_POSTS")
OWN_POSTS = merged("OWN_POSTS")
FOREIGN_FILTERS = merged("FOREIGN_FILTERS")


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def api_routes():
    """(name, viewset class, {method: action}, URL kwargs) for every viewset route under
    /api/v1/ (format-suffix duplicates left out)."""
    for route, pattern in _walk(get_resolver().url_patterns):
        callback = pattern.callback
        if not route.startswith("api/v1/") or not hasattr(callback, "actions"):
            continue
        kwargs = set(pattern.pattern.regex.groupindex)
        if "format" in kwargs:
            continue
        yield pattern.name, callback.cls, dict(callback.actions), kwargs


@pytest.fixture
def alpha(api, admin_a, own_lead):
    return api(admin_a)


def assert_clean(response):
    # A download (an export) streams: its whole body is read.
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert MARKER not in body.decode().lower(), body[:500]


def test_every_route_is_covered():
    routes = list(api_routes())
    assert len(routes) >= 10
    for name, cls, actions, kwargs in routes:
        if kwargs:
            assert cls in DETAIL_KWARGS, f"{name}: add {cls.__name__} to a foreign.py DETAIL_KWARGS"
        elif "post" in actions:
            assert name in FOREIGN_POSTS or name in OWN_POSTS, f"{name}: cover its POST"
        else:
            assert cls in DETAIL_KWARGS or cls in LIST_ONLY, name


def test_foreign_objects_are_404_on_every_detail_route(alpha, world):
    before = snapshot(world)
    checked = 0
    for name, cls, actions, kwargs in api_routes():
        if not kwargs:
            continue
        url_kwargs = {k: v for k, v in DETAIL_KWARGS[cls](world).items() if k in kwargs}
        url = reverse(name, kwargs=url_kwargs)
        for method in actions:
            response = getattr(alpha, method)(url, {"note": "x", "name": "Hacked"}, format="json")
            assert response.status_code == 404, (method, url, response.status_code)
            assert_clean(response)
            checked += 1
    assert checked >= 20
    assert snapshot(world) == before


def test_lists_never_show_foreign_objects(alpha, world):
    for name, _cls, actions, kwargs in api_routes():
        if kwargs or "get" not in actions:
            continue
        response = alpha.get(reverse(name))
        assert response.status_code == 200, name
        assert_clean(response)


def test_foreign_references_in_writes_are_refused(alpha, world, admin_a):
    before = snapshot(world)
    for name, bodies in FOREIGN_POSTS.items():
        for body in bodies(world, admin_a):
            response = alpha.post(reverse(name), body, format="json")
            assert response.status_code == 400, (name, body, response.content)
    assert snapshot(world) == before


def test_filters_naming_foreign_objects_are_refused(alpha, world):
    for name, filters in FOREIGN_FILTERS.items():
        for param, value in filters.items():
            response = alpha.get(reverse(name), {param: value(world)})
            assert response.status_code == 400, (name, param)
            assert param in response.json()


def test_tenant_header_for_a_foreign_tenant_is_403(api, admin_a, tenant_b):
    client = api(admin_a, tenant_header=tenant_b.slug)
    for name, _cls, actions, kwargs in api_routes():
        if not kwargs and "get" in actions:
            assert client.get(reverse(name)).status_code == 403, name
