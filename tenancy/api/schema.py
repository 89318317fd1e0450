"""What every operation of the schema says besides its own body: the tenant header it accepts and
the errors it can answer, in the shapes the API really sends (tenancy.api.exceptions)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from ..dates import DEFAULT_DAYS, MAX_DAYS
from ..selectors import TENANT_HEADER
from ..validators import FILTER_FIRST_DAY, FILTER_LAST_DAY

TENANT_PARAMETER = OpenApiParameter(
    TENANT_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "The slug of the tenant to act in, when you belong to several (without it: the first "
        "one). A tenant you are not a member of is a 403."
    ),
)


class ErrorSerializer(serializers.Serializer):
    """403, 404, 405, 413, 429 and other refusals: what happened, in words."""

    detail = serializers.CharField()


VALIDATION_ERROR_DESCRIPTION = (
    "400: a list of messages per field that was refused (custom fields nest one level: "
    '`{"custom_fields": {"loyalty_points": ["…"]}}`; a NUL byte is named where it is in the '
    'body, as deep as that is: `{"contents": {"1": {"body": ["…"]}}}`); problems of the request '
    "as a whole are under `detail`."
)
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": VALIDATION_ERROR_DESCRIPTION,
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            # Nested like the body, as deep as it goes (the parser names a NUL byte where it
            # is: {"contents": {"1": {"body": ["…"]}}}); the innermost values are lists.
            {"type": "object", "additionalProperties": {}},
            {"type": "string"},
        ]
    },
}

ERROR_DESCRIPTIONS = {
    "400": "The input was refused; the body names each field and why.",
    "401": "Not signed in: send `Authorization: Token <token>` (POST auth/token/ gives one).",
    "403": "Signed in, but this role or tenant may not do this; `detail` says why.",
    "404": "No such object in your tenant (another tenant's is the same 404).",
    "413": "The request body is too large.",
    "429": "Too many attempts; `detail` says when to try again.",
}


REFUSED = OpenApiResponse(VALIDATION_ERROR_SCHEMA, description=ERROR_DESCRIPTIONS["400"])

# The report parameters tenancy.dates reads (parse_days, parse_date_range).
DAYS_PARAMETER = OpenApiParameter(
    "days",
    {"type": "integer", "minimum": 1, "maximum": MAX_DAYS},
    description=f"The last N days, today included (default {DEFAULT_DAYS}).",
)
PERIOD_PARAMETERS = [
    OpenApiParameter(
        name,
        {"type": "string", "format": "date"},
        description=f"YYYY-MM-DD between {FILTER_FIRST_DAY} and {FILTER_LAST_DAY} in the tenant's "
        f"time zone, included; by default {default}. Blank is the default.",
    )
    for name, default in (
        ("start_date", f"{DEFAULT_DAYS - 1} days before the end date"),
        ("end_date", "today"),
    )
]


class AtriumAutoSchema(AutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self._is_tenant_view():
            parameters = [*parameters, TENANT_PARAMETER]
        return parameters

    def _is_tenant_view(self) -> bool:
        from ..scoping import TenantViewSetMixin

        return isinstance(self.view, TenantViewSetMixin)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = ["401", "403"] if self._needs_sign_in() else []
        # A paginated list refuses a `count` other than "exact" (tenancy.api.pagination).
        if (
            self.method in ("POST", "PUT", "PATCH")
            or self._takes_query_parameters()
            or self._is_paginated_list()
        ):
            codes.append("400")
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("413")
        if "{" in self.path or self._is_paginated_list():
            codes.append("404")  # on a list: a page past the last ("Invalid page.")
        if getattr(self.view, "throttle_scope", None) or getattr(self.view, "documents_429", False):
            codes.append("429")
        for code in codes:
            if code in responses:
                continue
            schema = VALIDATION_ERROR_SCHEMA if code == "400" else self._error_component()
            responses[code] = {
                "content": {"application/json": {"schema": schema}},
                "description": ERROR_DESCRIPTIONS[code],
            }
        return responses

    def _is_paginated_list(self) -> bool:
        return self.method == "GET" and bool(
            self._is_list_view() and getattr(self.view, "pagination_class", None)
        )

    def _takes_query_parameters(self) -> bool:
        """Filters, or query parameters the view declares itself: a value it refuses is a 400."""
        declared = [
            p
            for p in self.get_override_parameters()
            if isinstance(p, OpenApiParameter) and p.location == OpenApiParameter.QUERY
        ]
        return bool(declared or self._get_filter_parameters())

    def _needs_sign_in(self) -> bool:
        return bool(getattr(self.view, "permission_classes", None)) and any(
            cls.__name__ != "AllowAny" for cls in self.view.permission_classes
        )

    def _error_component(self):
        return self.resolve_serializer(ErrorSerializer, "response").ref
