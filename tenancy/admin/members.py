"""Members, invitations and the membership log in the admin. Every write goes through the
member services, which decide what a tenant admin may do; the admin only shows their errors.

The user picker is never shown, so no other tenant's users are listed; a tenant admin creates
a new user here or invites an existing person by email."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from ..models import Invitation, Membership, MembershipEvent
from ..scoping import TenantAdminMixin
from ..services import members as member_services
from .base import ServiceSaveMixin


class MemberAddForm(forms.ModelForm):
    username = forms.CharField(max_length=150, help_text="A new account for this person.")
    email = forms.EmailField(required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    class Meta:
        model = Membership
        fields = ["role"]


class MemberChangeForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "is_active"]


@admin.register(Membership)
class MembershipAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ["username", "email", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    service_fields = {"username", "email", "password", "role", "is_active"}

    @admin.display(ordering="user__username")
    def username(self, obj):
        return obj.user.username

    @admin.display(ordering="user__email")
    def email(self, obj):
        return obj.user.email

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = MemberChangeForm if obj else MemberAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj:
            return ["role", "is_active"]
        head = ["tenant"] if self._is_global(request) else []
        return [*head, "username", "email", "password", "role"]

    def service_create(self, request, tenant, data):
        return member_services.member_add(tenant=tenant, by=self.actor(request, tenant), **data)

    def service_update(self, request, membership, data):
        return member_services.membership_update(
            membership=membership, by=self.actor(request, membership.tenant), **data
        )

    def service_delete(self, obj, *, by):
        member_services.membership_remove(membership=obj, by=by)


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["email", "role"]


@admin.register(Invitation)
class InvitationAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """Invite a person by email: they accept after signing in with their own account (or
    creating one), so no account is ever changed from here."""

    form = InvitationForm
    list_display = ["email", "role", "status", "invited_by", "created_at", "expires_at"]
    list_filter = ["role"]
    search_fields = ["email"]
    actions = ["revoke_selected"]
    service_fields = {"email", "role"}

    def get_fields(self, request, obj=None):
        if obj:
            return ["email", "role", "status", "invited_by", "created_at", "expires_at"]
        head = ["tenant"] if self._is_global(request) else []
        return [*head, "email", "role"]

    def get_readonly_fields(self, request, obj=None):
        if obj:
            return self.get_fields(request, obj)
        return []

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the record stays

    def service_create(self, request, tenant, data):
        return member_services.invitation_create(
            tenant=tenant, by=self.actor(request, tenant), **data
        )

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(request, f"Invitation sent to {obj.email}.")
        return super().response_add(request, obj, post_url_continue)

    def message_user(self, request, message, *args, **kwargs):
        # The admin's "was added successfully" would repeat our own message.
        if "was added successfully" not in str(message):
            super().message_user(request, message, *args, **kwargs)

    @admin.action(description="Revoke selected invitations")
    def revoke_selected(self, request, queryset):
        revoked = 0
        for invitation in queryset.select_related("tenant"):
            try:
                member_services.invitation_revoke(
                    invitation=invitation, by=self.actor(request, invitation.tenant)
                )
                revoked += 1
            except ValidationError as exc:
                messages.error(request, f"{invitation.email}: {' '.join(exc.messages)}")
        if revoked:
            messages.success(request, f"Revoked {revoked} invitation(s).")


@admin.register(MembershipEvent)
class MembershipEventAdmin(TenantAdminMixin, admin.ModelAdmin):
    """Who changed membership, what and when: read-only for the tenant's admins."""

    list_display = ["created_at", "action", "subject", "detail", "actor_name"]
    list_filter = ["action"]
    search_fields = ["subject", "detail"]
    list_select_related = ["actor"]
    fields = ["created_at", "action", "subject", "detail", "actor_name"]
    readonly_fields = fields

    @admin.display(description="By", ordering="actor__username")
    def actor_name(self, obj):
        return obj.actor.get_username() if obj.actor else "operator (command line)"

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
