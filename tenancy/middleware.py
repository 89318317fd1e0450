from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.utils import timezone

from .selectors import resolve_membership

TENANT_HEADER = "X-Tenant-ID"
SESSION_KEY = "tenant_slug"


def requested_tenant_slug(request) -> str | None:
    return request.headers.get(TENANT_HEADER) or None


class TenantMiddleware:
    """Sets `request.tenant` and `request.membership` for signed-in users.

    The X-Tenant-ID header (a tenant slug) picks among several memberships and is refused with
    403 when the user is not a member; the page's tenant switcher stores a slug in the session,
    which falls back to the first membership when it no longer applies. Token-authenticated API
    requests are resolved again by the API base class after DRF authenticates them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        if request.user.is_authenticated:
            try:
                membership = resolve_membership(request.user, requested_tenant_slug(request))
            except PermissionDenied as exc:
                return HttpResponseForbidden(str(exc))
            session_slug = request.session.get(SESSION_KEY)
            if session_slug and not requested_tenant_slug(request):
                try:
                    membership = resolve_membership(request.user, session_slug)
                except PermissionDenied:
                    request.session.pop(SESSION_KEY, None)
            if membership is not None:
                request.tenant = membership.tenant
                request.membership = membership
        # Pages and the admin show and read times in the tenant's zone (rendering included).
        with timezone.override(request.tenant.tzinfo if request.tenant else None):
            return self.get_response(request)
