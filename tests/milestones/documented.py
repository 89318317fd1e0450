"""`assert_documented(response, status)`: the API answered as /api/schema/ says — a status code
its operation documents and a body of the documented shape, checked by schemathesis's own
response check on a response of the test client. The contract tests fuzz a small tenant; the
milestone tests call this with every state a timeline and the analytics can be in."""

import json
from functools import cache

import requests
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from schemathesis import Response
from schemathesis.openapi import from_dict


@cache
def api_schema():
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return from_dict(json.loads(OpenApiJsonRenderer().render(generated)))


def assert_documented(response, status: int):
    """The response has `status`, which its operation documents, and a body of the documented
    shape; returns the parsed body (None when there is none)."""
    request = response.wsgi_request
    assert response.status_code == status, (response.status_code, response.content[:800])
    operation = api_schema().find_operation_by_path(request.method, request.path)
    assert operation is not None, f"{request.method} {request.path} is not in the schema"
    documented = operation.definition.raw.get("responses", {})
    assert str(status) in documented, f"{request.method} {request.path}: {sorted(documented)}"
    prepared = requests.Request(
        method=request.method, url=f"http://testserver{request.get_full_path()}"
    ).prepare()
    operation.validate_response(
        Response(
            status_code=response.status_code,
            headers={name.lower(): [value] for name, value in response.headers.items()},
            content=response.content,
            request=prepared,
            elapsed=0.0,
            verify=False,
        )
    )
    return response.json() if response.content else None
