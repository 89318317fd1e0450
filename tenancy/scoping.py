"""The three scoping bases: every API viewset, admin and page of a tenant-owned model stands on
one of these, so the tenant filter is written once per way in. Another tenant's object is a
404 everywhere, never a 403."""

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from rest_framework import exceptions as drf_exceptions
from rest_framework import viewsets

from .api.params import check_query_params
from .models import Role, Tenant
from .selectors import membership_for_request

# ---------------------------------------------------------------------------------------------
# API


class TenantViewSetMixin:
    """Resolves the tenant after DRF authentication and scopes `queryset` to it.

    `write_roles` limits unsafe methods (create/update/delete and POST actions) to those roles;
    reads are open to every member.
    """

    write_roles: tuple[str, ...] = (Role.ADMIN, Role.MANAGER, Role.AGENT)
    read_roles: tuple[str, ...] = (Role.ADMIN, Role.MANAGER, Role.AGENT)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        check_query_params(request)  # a NUL byte in any parameter is a 400 naming it

    def check_permissions(self, request):
        super().check_permissions(request)
        # The tenant middleware resolved the membership already for a session sign-in (the same
        # resolver, the same headers and session); a token sign-in, or a token for another user
        # than the session's, is resolved here now that DRF knows the user.
        membership = getattr(request._request, "membership", None)
        if membership is None or membership.user_id != request.user.pk:
            try:
                membership = membership_for_request(request)
            except PermissionDenied as exc:
                raise drf_exceptions.PermissionDenied(str(exc)) from exc
        if membership is None:
            raise drf_exceptions.PermissionDenied(
                "You are not a member of any tenant; send X-Tenant-ID with a tenant slug."
            )
        request.tenant = request._request.tenant = membership.tenant
        request.membership = request._request.membership = membership
        # A token-authenticated request passed the tenant middleware before DRF knew the user:
        # activate the tenant's zone for reading and writing times here (the middleware's own
        # override restores the previous zone after the response).
        timezone.activate(membership.tenant.tzinfo)
        roles = (
            self.read_roles if request.method in ("GET", "HEAD", "OPTIONS") else self.write_roles
        )
        if membership.role not in roles:
            raise drf_exceptions.PermissionDenied("Your role does not allow this.")

    @property
    def tenant(self):
        return self.request.tenant

    @property
    def membership(self):
        return self.request.membership

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no tenant
            return super().get_queryset().none()
        return super().get_queryset().filter(tenant=self.request.tenant)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self.request, "tenant"):
            context["tenant"] = self.request.tenant
            context["membership"] = self.request.membership
        return context


class TenantModelViewSet(TenantViewSetMixin, viewsets.ModelViewSet):
    pass


class TenantReadOnlyViewSet(TenantViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


# ---------------------------------------------------------------------------------------------
# Admin


def is_tenant_admin(request) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and membership.role == Role.ADMIN)


class TenantAdminMixin:
    """Scopes a ModelAdmin to `request.tenant` for tenant admins; superusers see every tenant
    with a tenant column and filter. Scopes the queryset, foreign-key and many-to-many choices,
    autocomplete (through the related admin's queryset), list-filter choices, and sets the
    tenant on save. A missing or foreign object raises 404 instead of the admin's redirect."""

    def _is_global(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    # permissions: tenant admins act only inside their tenant, superusers everywhere
    def has_module_permission(self, request):
        return self._is_global(request) or is_tenant_admin(request)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, *args):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self._is_global(request):
            return qs.select_related("tenant")
        if not is_tenant_admin(request):
            return qs.none()
        return qs.filter(tenant=request.tenant)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object.")
        return obj

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if self._is_global(request):
            columns.append("tenant")
        return columns

    def get_list_filter(self, request):
        filters = [self._scoped_filter(f) for f in super().get_list_filter(request)]
        if self._is_global(request):
            filters.append("tenant")
        return filters

    def _scoped_filter(self, spec):
        """Foreign-key filters list only related rows that occur in the scoped queryset."""
        if isinstance(spec, str):
            field = self.model._meta.get_field(spec) if "__" not in spec else None
            if field is not None and field.is_relation:
                return (spec, admin.RelatedOnlyFieldListFilter)
        return spec

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not self._is_global(request):
            exclude.append("tenant")
        return exclude

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None or self._is_global(request):
            return form
        tenant = request.tenant

        class NewInTenantForm(form):
            """A new object belongs to the admin's tenant before validation runs, so the
            model's rules (same-tenant relations, unique codes) are checked against it."""

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.instance.tenant = tenant

        return NewInTenantForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        return self._scope_formfield(db_field, request, formfield)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
        return self._scope_formfield(db_field, request, formfield)

    def _scope_formfield(self, db_field, request, formfield):
        if formfield is None or self._is_global(request):
            return formfield
        formfield.queryset = scope_related_queryset(
            formfield.queryset, db_field.related_model, request
        )
        return formfield

    def save_model(self, request, obj, form, change):
        if not self._is_global(request):
            obj.tenant = request.tenant
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for instance in formset.save(commit=False):
            instance.tenant = form.instance.tenant
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()


def scope_related_queryset(queryset: models.QuerySet, model, request) -> models.QuerySet:
    """Limit a related-object queryset to what the request's tenant may pick."""
    tenant = request.tenant
    if tenant is None:
        return queryset.none()
    if model is Tenant:
        return queryset.filter(pk=tenant.pk)
    if any(f.name == "tenant" for f in model._meta.get_fields()):
        queryset = queryset.filter(tenant=tenant)
        if any(f.name == "deleted_at" for f in model._meta.get_fields()):
            queryset = queryset.filter(deleted_at__isnull=True)
        return queryset
    if model._meta.label == "auth.User" or model._meta.model_name == "user":
        return queryset.filter(memberships__tenant=tenant, memberships__is_active=True).distinct()
    raise PermissionDenied(f"No tenant scoping is defined for {model._meta.label}.")


class TenantInlineMixin:
    """Inlines of tenant-owned rows: scoped choices and the parent's tenant on save."""

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), "tenant"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and not request.user.is_superuser:
            formfield.queryset = scope_related_queryset(
                formfield.queryset, db_field.related_model, request
            )
        return formfield

    def _allowed(self, request) -> bool:
        return request.user.is_superuser or is_tenant_admin(request)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        # Not derived from adding: a read-only inline (an activity log) turns adding off.
        return self._allowed(request)


class LogInlineMixin(TenantInlineMixin):
    """A read-only inline of a log (activity, history): shown, never added to, changed or
    deleted in the admin; its entries are written by the services."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---------------------------------------------------------------------------------------------
# Pages


class TenantPageMixin:
    """Class-based page views: sign-in required, a tenant required, queryset scoped; the
    request's tenant and membership at hand (times are already in the tenant's zone: the
    tenant middleware activates it)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.tenant is None:
            if request.user.is_superuser:  # no membership: pick a tenant with the switcher
                return TemplateResponse(request, "tenancy/choose_tenant.html")
            raise Http404("You are not a member of any tenant.")
        return super().dispatch(request, *args, **kwargs)

    @property
    def tenant(self):
        return self.request.tenant

    @property
    def membership(self):
        return self.request.membership

    def get_queryset(self):
        return super().get_queryset().for_tenant(self.request.tenant)
