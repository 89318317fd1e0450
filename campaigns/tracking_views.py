"""Public tracking endpoints (no sign-in: customers and providers call them). Each is reached
through a signed token or an HMAC-signed report; anything not genuine is a 404 (a 403 for a
report whose signature is wrong), and another tenant's execution is never found."""

import base64
import json

from django.http import Http404, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from tenancy.login_throttle import client_address
from tenancy.models import Tenant

from .links import read_token
from .models import CampaignChannel, CampaignExecution
from .services import tracking
from .services.sending import Renderer

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
MAX_REPORT_BYTES = 1_000_000


def _execution(kind: str, token: str) -> tuple[CampaignExecution, str | None]:
    parsed = read_token(kind, token)
    if parsed is None:
        raise Http404("Unknown link.")
    tenant_id, execution_id, url = parsed
    execution = (
        CampaignExecution.objects.filter(tenant_id=tenant_id, pk=execution_id)
        .select_related("campaign", "channel", "customer", "tenant")
        .first()
    )
    if execution is None:
        raise Http404("Unknown link.")
    return execution, url


@never_cache
def open_pixel(request, token: str):
    execution, _ = _execution("open", token)
    tracking.record_open(
        execution=execution,
        user_agent=request.headers.get("User-Agent", ""),
        address=client_address(request),
    )
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
def click(request, token: str):
    execution, url = _execution("click", token)
    # Only a URL that the execution's own content links to: never an open redirect, even with
    # a leaked signing key.
    if url is None or url not in Renderer(execution.campaign).content_links(execution):
        raise Http404("Unknown link.")
    tracking.record_click(
        execution=execution, url=url, user_agent=request.headers.get("User-Agent", "")
    )
    return HttpResponseRedirect(url)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET asks for confirmation (mail scanners follow links); POST opts out — also the
    one-click POST of RFC 8058 that mail clients send from the List-Unsubscribe header."""
    execution, _ = _execution("unsubscribe", token)
    done = False
    if request.method == "POST":
        tracking.record_unsubscribe(execution=execution)
        done = True
    return render(
        request,
        "campaigns/unsubscribe.html",
        {"execution": execution, "channel": execution.channel, "done": done},
    )


@csrf_exempt
@require_POST
def provider_webhook(request, tenant_slug: str, channel_code: str):
    """Delivery reports: {"events": [{"reference": …, "status": "delivered"|"bounced"|"replied"}]},
    signed in X-Atrium-Signature as sha256=<HMAC-SHA256 of the body with the channel's secret>."""
    tenant = get_object_or_404(Tenant, slug=tenant_slug, is_active=True)
    channel = get_object_or_404(
        CampaignChannel.objects.for_tenant(tenant).live(), channel_code=channel_code
    )
    body = request.body[:MAX_REPORT_BYTES]
    if not tracking.webhook_authentic(
        channel, body, request.headers.get(tracking.SIGNATURE_HEADER, "")
    ):
        return HttpResponseForbidden("Bad signature.")
    try:
        payload = json.loads(body)
        events = (
            payload["events"] if isinstance(payload, dict) and "events" in payload else [payload]
        )
        applied = tracking.record_provider_reports(channel=channel, events=events)
    except (ValueError, tracking.ValidationError):
        return HttpResponse(
            json.dumps({"detail": 'Send {"events": [{"reference", "status"}]}.'}),
            status=400,
            content_type="application/json",
        )
    return HttpResponse(json.dumps({"applied": applied}), content_type="application/json")
