"""The login page: Django's LoginView behind the password-guessing limits of
tenancy.login_throttle."""

from django.contrib.auth.views import LoginView

from .. import login_throttle


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
