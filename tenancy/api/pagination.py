from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from ..pagination import COUNT_CAP, COUNT_PARAM, EXACT, CappedPaginator, wants_exact_count

MAX_PAGE_SIZE = 500


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`: M defaults to the PAGE_SIZE setting and is capped at
    MAX_PAGE_SIZE (a larger one gives MAX_PAGE_SIZE rows); a page past the last is a 404.

    `count` is exact up to COUNT_CAP; beyond, it is COUNT_CAP with `count_is_exact` false
    (tenancy.pagination), unless `?count=exact` asks for the figure. `next` and pages past the
    capped count work either way."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = (
        f"Rows per page: default {api_settings.PAGE_SIZE}, at most {MAX_PAGE_SIZE} "
        f"(a larger value gives {MAX_PAGE_SIZE})."
    )
    page_query_description = "A page number within the results; one past the last is a 404."
    count_query_description = (
        f"`{EXACT}`: count every matching row. Without it, `count` stops at {COUNT_CAP:,} "
        "(`count_is_exact` says whether it did), so a big list costs no more than its page."
    )

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(COUNT_PARAM, "")
        if raw not in ("", EXACT):
            raise ValidationError({COUNT_PARAM: [f'Must be "{EXACT}" or left out.']})
        # The last page of a capped list is only known from the exact count.
        last = request.query_params.get(self.page_query_param) in self.last_page_strings
        self.exact = wants_exact_count(request.query_params) or last
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, queryset, page_size):
        return CappedPaginator(queryset, page_size, exact=self.exact)

    def get_paginated_response(self, data):
        paginator = self.page.paginator
        return Response(
            {
                "count": paginator.count,
                "count_is_exact": paginator.count_is_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        properties = response["properties"]
        properties["count"]["description"] = (
            f"Rows matching, exact up to {COUNT_CAP:,}; beyond, {COUNT_CAP:,} and "
            f"`count_is_exact` is false (`?{COUNT_PARAM}={EXACT}` gives the figure)."
        )
        response["properties"] = {
            "count": properties.pop("count"),
            "count_is_exact": {
                "type": "boolean",
                "description": "False when there are more than `count` rows (capped count).",
            },
            **properties,
        }
        response["required"] = ["count", "count_is_exact", "results"]
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": COUNT_PARAM,
                "required": False,
                "in": "query",
                "description": self.count_query_description,
                "schema": {"type": "string", "enum": [EXACT]},
            },
        ]
