"""The page an invitation link opens: join the tenant after signing in as oneself, or create an
account first. Open to anyone holding a valid link; nothing here reveals other accounts."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views import View

from ..forms import add_service_errors
from ..middleware import SESSION_KEY
from ..services import members as member_services


class NewAccountForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)
    password_again = forms.CharField(
        widget=forms.PasswordInput, strip=False, label="Password (again)"
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("password")
            and cleaned.get("password_again")
            and cleaned["password"] != cleaned["password_again"]
        ):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class InvitationAcceptView(View):
    template_name = "tenancy/invitation.html"

    def get(self, request, token):
        try:
            invitation = member_services.invitation_from_token(token)
        except member_services.InvitationInvalid:
            return self.invalid(request)
        return self.page(request, invitation, NewAccountForm())

    def post(self, request, token):
        try:
            invitation = member_services.invitation_from_token(token)
        except member_services.InvitationInvalid:
            return self.invalid(request)
        if request.user.is_authenticated:
            try:
                membership = member_services.invitation_accept(token=token, user=request.user)
            except member_services.InvitationInvalid:
                return self.invalid(request)
            return self.joined(request, membership)
        form = NewAccountForm(request.POST)
        if form.is_valid():
            try:
                membership = member_services.invitation_accept_as_new_user(
                    token=token,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
            except member_services.InvitationInvalid:
                return self.invalid(request)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
                return self.joined(request, membership)
        return self.page(request, invitation, form, status=400)

    def page(self, request, invitation, form, status=200):
        context = {"invitation": invitation, "form": form, "next": request.get_full_path()}
        return TemplateResponse(request, self.template_name, context, status=status)

    def invalid(self, request):
        return TemplateResponse(request, self.template_name, {"invalid": True}, status=404)

    def joined(self, request, membership):
        request.session[SESSION_KEY] = membership.tenant.slug
        messages.success(
            request,
            f"Welcome to {membership.tenant.name}: you are now "
            f"{membership.get_role_display().lower()} there.",
        )
        return redirect(settings.LOGIN_REDIRECT_URL)
