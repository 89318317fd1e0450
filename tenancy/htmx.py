"""How the pages answer htmx: the one test of "did htmx ask for a fragment", the partial-template
view mixin built on it, and the redirect htmx follows after a write.

htmx sends `HX-Request: true` with every request it makes. When the user goes back and htmx
has no copy of the page in its history cache, it asks again with `HX-History-Restore-Request`
too and puts the answer in place of the whole page: that request wants the full page, never a
fragment. A URL that answers with a page or a fragment says so in `Vary`, so that caches keep
the two apart.
"""

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

HTMX_HEADER = "HX-Request"
HISTORY_RESTORE_HEADER = "HX-History-Restore-Request"


def is_htmx(request) -> bool:
    """True when htmx asks for part of a page: an htmx request that is not a history restore."""
    headers = request.headers
    return bool(headers.get(HTMX_HEADER)) and not headers.get(HISTORY_RESTORE_HEADER)


def vary_on_htmx(response):
    """Mark a response whose body depends on whether htmx asked (page or fragment)."""
    patch_vary_headers(response, [HTMX_HEADER])
    return response


def htmx_redirect(url: str) -> HttpResponse:
    """A 204 that tells htmx to load `url` as a whole page (a plain redirect would be followed
    by the browser and its answer swapped into the fragment)."""
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


class HtmxPartialMixin:
    """A template view that answers htmx with `partial_template_name` only (the part of the page
    it swaps) and every other request, a history restore included, with the whole page."""

    partial_template_name: str

    def is_partial(self) -> bool:
        return is_htmx(self.request)

    def get_template_names(self):
        if self.is_partial():
            return [self.partial_template_name]
        return super().get_template_names()

    def get(self, request, *args, **kwargs):
        return vary_on_htmx(super().get(request, *args, **kwargs))
