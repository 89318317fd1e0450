from django.utils import timezone

from .selectors import SESSION_KEY, TENANT_HEADER, membership_for_request

__all__ = ["SESSION_KEY", "TENANT_HEADER", "TenantMiddleware"]


class TenantMiddleware:
    """Sets `request.tenant` and `request.membership` for signed-in users, through the one
    resolver (tenancy.selectors.membership_for_request); a tenant header naming a tenant the
    user is not a member of raises PermissionDenied, which Django's 403 handler answers
    (tenancy.errors: the 403 page with the reason, JSON under /api/). Token-authenticated API
    requests are resolved by the same function in the API base class once DRF has
    authenticated them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        request.membership = None
        membership = membership_for_request(request)  # PermissionDenied: a foreign tenant
        if membership is not None:
            request.tenant = membership.tenant
            request.membership = membership
        # Pages and the admin show and read times in the tenant's zone (rendering included).
        with timezone.override(request.tenant.tzinfo if request.tenant else None):
            return self.get_response(request)
