from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ..middleware import SESSION_KEY
from ..selectors import resolve_membership


@require_POST
@login_required
def switch_tenant(request):
    """Remember the chosen tenant in the session; a tenant the user is not in is a 404."""
    slug = request.POST.get("tenant", "")
    try:
        membership = resolve_membership(request.user, slug) if slug else None
    except PermissionDenied:
        membership = None
    if membership is None:
        raise Http404("No such tenant.")
    request.session[SESSION_KEY] = membership.tenant.slug
    messages.success(request, f"Now working in {membership.tenant.name}.")
    return redirect(settings.LOGIN_REDIRECT_URL)
