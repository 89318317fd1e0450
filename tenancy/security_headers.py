"""Content-Security-Policy for the HTML pages (Django 5.2 has none built in).

Only our own files run: htmx and static/js/, no inline script, no eval, no plugins; the pages may
not be framed, and forms post only to us. Styles may be inline (htmx inserts its indicator
styles; templates set colours in `style` attributes); images are ours or `data:` URLs. Data a
script needs comes in `data-*` attributes or `json_script` blocks, which are never executed.
"""

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """Adds the policy to every HTML response that has none yet (a view may set its own).
    settings.CONTENT_SECURITY_POLICY replaces the policy; an empty one sends none. Under DEBUG,
    server errors go without it: Django's technical error page runs inline scripts."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 500:
            return response
        content_type = response.get("Content-Type", "")
        if self.policy and content_type.startswith("text/html") and HEADER not in response:
            response[HEADER] = self.policy
        return response
