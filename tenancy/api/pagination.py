from rest_framework import pagination
from rest_framework.settings import api_settings

MAX_PAGE_SIZE = 500


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`: M defaults to the PAGE_SIZE setting and is capped at
    MAX_PAGE_SIZE (a larger one gives MAX_PAGE_SIZE rows); a page past the last is a 404."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = (
        f"Rows per page: default {api_settings.PAGE_SIZE}, at most {MAX_PAGE_SIZE} "
        f"(a larger value gives {MAX_PAGE_SIZE})."
    )
    page_query_description = "A page number within the results; one past the last is a 404."
