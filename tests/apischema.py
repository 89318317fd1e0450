"""Checking that an answer is what the schema documents: the request is built from the
operation in /api/schema/ and the response validated against it (schemathesis' checks), so a
test with real data proves the shapes the contract fuzzing may not reach."""

from rest_framework.authtoken.models import Token
from schemathesis import openapi
from schemathesis.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance


def load_schema(wsgi_application):
    return openapi.from_wsgi("/api/schema/", wsgi_application)


def answers_as_documented(schema, member, method, path, *, status, **parts):
    """Call `method path` as `member` (path_parameters=, query=, body=) and check the answer
    has `status`, a documented code and a body of the documented shape; returns the body."""
    token, _ = Token.objects.get_or_create(user=member.user)
    if "body" in parts:
        parts["media_type"] = "application/json"
    case = schema[path][method].Case(headers={"Authorization": f"Token {token.key}"}, **parts)
    response = case.call()
    assert response.status_code == status, response.text
    case.validate_response(response, checks=[response_schema_conformance, status_code_conformance])
    return response.json() if response.content else None


def untyped_answers(schema_paths: dict, prefixes: tuple[str, ...]) -> list[str]:
    """Success answers of the operations under `prefixes` documented as a bare object."""
    return [
        f"{method.upper()} {path} {code}"
        for path, operations in schema_paths.items()
        if path.startswith(prefixes)
        for method, operation in operations.items()
        if method != "parameters"
        for code, answer in operation["responses"].items()
        if code.startswith("2")
        and (schema := answer.get("content", {}).get("application/json", {}).get("schema", {}))
        and schema.get("type") == "object"
        and "properties" not in schema
        and not schema.get("additionalProperties")
    ]
