"""What a visitor or a client is told when a request fails.

Pages answer in the site's layout and say in words what happened (a 403 says why: the
PermissionDenied message); the API (everything under /api/) answers JSON `{"detail": "…"}`, as
DRF does inside its own views. One place for every page route:

- Django calls the handlers named in config.urls for 400/403/404/500 raised anywhere outside a
  DRF view (a page, the middleware, an address that matches no route).
- A CSRF refusal comes through `csrf_failure` (settings.CSRF_FAILURE_VIEW).
- A page route that does not take the request's method (a GET on an address only forms post
  to) returns Django's empty 405; `MethodNotAllowedPageMiddleware` turns it into the 405 page.

Error pages leave the queued messages ("Saved", a form's refusal) for the next page: they are
about the request that failed, and shown on an error page the messages would be lost.
The 500 page renders with no request context (no user, no tenant, no database query): whatever
failed may fail again.
"""

import logging

from django.http import HttpResponseNotAllowed, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, get_script_prefix, resolve, reverse

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
FORBIDDEN = "You do not have permission to do this."
CSRF_REFUSED = (
    "The form could not be accepted: its security token was missing or out of date (the page "
    "may have been open for a long time, or you signed in or out in another tab). Go back, "
    "reload the page and send the form again."
)


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _json(detail: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail}, status=status)


def _page(request, template: str, status: int, context: dict | None = None):
    return render(request, template, {"messages": (), **(context or {})}, status=status)


def bad_request(request, exception=None):
    if is_api(request):
        return _json("Bad request.", 400)
    return _page(request, "400.html", 400)


def permission_denied(request, exception=None):
    reason = str(exception or "") or FORBIDDEN
    if is_api(request):
        return _json(reason, 403)
    return _page(request, "403.html", 403, {"reason": reason})


def page_not_found(request, exception=None):
    if is_api(request):
        return _json("Not found.", 404)
    return _page(request, "404.html", 404)


def server_error(request):
    if is_api(request):
        return _json("Server error: it has been logged. Try again later.", 500)
    try:
        return HttpResponseServerError(loader.get_template("500.html").render())
    except Exception:  # the template itself failed: say it plainly rather than fail again
        logger.exception("The 500 page could not be rendered")
        return HttpResponseServerError(
            "<!doctype html><title>Server error</title><h1>Server error</h1>"
            "<p>Something went wrong on our side. Try again later.</p>"
        )


def csrf_failure(request, reason=""):
    """Pages only: DRF's views are exempt from Django's CSRF middleware and refuse in JSON."""
    context = {
        "reason": CSRF_REFUSED,
        "detail": reason,
        "csrf": True,
        "back": page_to_open(request.path_info, above=False),
    }
    return _page(request, "403.html", 403, context)


def page_to_open(path: str, *, above: bool = True) -> str:
    """The nearest address at or above `path` (only above it when `above`) that is a page one
    can open (its view takes GET), or the start page: where someone who opened a form-only
    address, or sent a refused form, most likely came from."""
    parts = [part for part in path.strip("/").split("/") if part]
    if above and parts:
        parts.pop()
    while parts:
        candidate = "/" + "/".join(parts) + "/"
        try:
            match = resolve(candidate)
        except Resolver404:
            match = None
        view_class = getattr(match.func, "view_class", None) if match else None
        if match and (view_class is None or hasattr(view_class, "get")):
            return get_script_prefix() + candidate.lstrip("/")
        parts.pop()
    return reverse("crm:lead-list")


class MethodNotAllowedPageMiddleware:
    """A page route refusing the request's method (Django's empty HttpResponseNotAllowed)
    answers the 405 page instead, with the same status and Allow header. The API's 405s are
    DRF's JSON and pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not isinstance(response, HttpResponseNotAllowed) or is_api(request):
            return response
        allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
        page = _page(
            request,
            "405.html",
            405,
            {
                "method": request.method,
                "allowed": allowed,
                "only_forms": "POST" in allowed and "GET" not in allowed,
                "back": page_to_open(request.path_info),
            },
        )
        page["Allow"] = response["Allow"]
        return page
