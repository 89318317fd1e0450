"""The login page (Django's LoginView behind the password-guessing limits of
tenancy.login_throttle) and the password reset by email."""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.cache import cache
from django.http import HttpResponseRedirect

from .. import login_throttle
from ..login_throttle import normalise_username


class ThrottledLoginView(LoginView):
    """A locked account or address gets the form back with the lock's message (429 and
    Retry-After) before any password is checked; each failed sign-in is counted once."""

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        refusal = login_throttle.check_allowed(request, username)
        if refusal is not None:
            return self.refused(refusal, username)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        login_throttle.record_success(self.request, form.cleaned_data["username"])
        return super().form_valid(form)

    def form_invalid(self, form):
        # AuthenticationForm.clean checks the password only when both fields passed: count
        # exactly those attempts (an empty field is not a guess).
        username = form.cleaned_data.get("username")
        if username is not None and form.cleaned_data.get("password"):
            login_throttle.record_failure(self.request, username)
        return super().form_invalid(form)

    def refused(self, refusal, username):
        # An unbound form: nothing is validated (so nothing authenticated) to show the message.
        form = self.get_form_class()(request=self.request, initial={"username": username})
        form.cleaned_data = {}
        form.add_error(None, refusal.message)
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(refusal.retry_after)
        return response


class ThrottledPasswordResetView(PasswordResetView):
    """Django's password reset, with the link built on SITE_URL (never on the request's Host
    header, which a visitor chooses) and at most one mail per address per
    PASSWORD_RESET_MAIL_MINUTES, so the form cannot flood an inbox. The answer is the same
    "check your inbox" page whether or not the address is known or throttled: it tells
    nobody which addresses have accounts."""

    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        address = normalise_username(form.cleaned_data["email"])
        minutes = float(getattr(settings, "PASSWORD_RESET_MAIL_MINUTES", 5))
        key = f"password-reset-mail:{hashlib.sha256(address.encode()).hexdigest()}"
        if not cache.add(key, 1, timeout=max(1, int(minutes * 60))):
            return HttpResponseRedirect(self.get_success_url())
        site = urlsplit(settings.SITE_URL)
        self.extra_email_context = {
            "domain": site.netloc,
            "protocol": site.scheme or "https",
            "site_name": "Atrium",
        }
        return super().form_valid(form)
