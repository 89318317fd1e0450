"""The tag manager (/tags/): every member sees the tenant's tags with their colours and how many
customers and leads carry each (linking to those lists); admins and managers create, edit
(rename, colour, description), merge one into another and delete — each after a page that says
how many customers and leads it reaches. Writes go through crm.services.tags."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import FormView, ListView

from tenancy.forms import add_service_errors
from tenancy.scoping import TenantPageMixin

from ..models import Tag
from ..selectors.tags import TAG_SEARCH_MAX_LENGTH, tag_for, tag_search, tags_with_counts
from ..services import tags as tag_services


class TagForm(forms.Form):
    """The tag's fields as the model defines them; the service judges the name (lower-case,
    unique in the tenant) and reports every problem at once."""

    name = Tag._meta.get_field("name").formfield()
    color = Tag._meta.get_field("color").formfield(
        label="Colour", widget=forms.TextInput(attrs={"type": "color"})
    )
    description = Tag._meta.get_field("description").formfield(
        widget=forms.Textarea(attrs={"rows": 3})
    )


class MergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Tag.objects.none(),
        label="Merge into",
        empty_label="Choose the tag to keep",
        error_messages={"invalid_choice": "Choose one of the tags listed."},
    )


class TagsMixin(TenantPageMixin):
    """The tenant's tags with their counts; one tag through `tag_for` (another tenant's is a
    404 like a missing one)."""

    def get_queryset(self):
        return tags_with_counts(tenant=self.tenant, membership=self.membership)

    @cached_property
    def tag(self) -> Tag:
        return tag_for(
            tenant=self.tenant,
            membership=self.membership,
            pk=self.kwargs["pk"],
            queryset=self.get_queryset(),
        )

    @property
    def may_manage(self) -> bool:
        return self.membership.role in tag_services.TAG_MANAGE_ROLES

    def get_context_data(self, **kwargs):
        return super().get_context_data(may_manage=self.may_manage, **kwargs)

    def back_to_list(self, message: str):
        messages.success(self.request, message)
        return redirect("crm:tag-list")


class ManagersOnlyMixin(TagsMixin):
    """After the sign-in and tenant checks (and the object's 404): only admins and managers."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or request.tenant is None:
            return super().dispatch(request, *args, **kwargs)
        if "pk" in kwargs:
            self.tag  # noqa: B018  (another tenant's tag is a 404 before any refusal)
        if not self.may_manage:
            raise PermissionDenied(tag_services.TAG_MANAGE_REFUSED)
        return super().dispatch(request, *args, **kwargs)


class TagListView(TagsMixin, ListView):
    template_name = "crm/tags/list.html"
    context_object_name = "tags"
    paginate_by = 100

    @cached_property
    def search(self) -> str:
        return self.request.GET.get("q", "")[:TAG_SEARCH_MAX_LENGTH].replace("\x00", "")

    def get_queryset(self):
        return tag_search(super().get_queryset(), self.search).order_by("name", "id")

    def get_context_data(self, **kwargs):
        return super().get_context_data(search=self.search, **kwargs)


class TagCreateView(ManagersOnlyMixin, FormView):
    template_name = "crm/tags/form.html"
    form_class = TagForm

    def get_initial(self):
        return {"color": Tag._meta.get_field("color").default}

    def form_valid(self, form):
        try:
            tag = tag_services.tag_create(
                tenant=self.tenant, by=self.membership, data=form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.back_to_list(f"Tag “{tag.name}” created.")


class TagEditView(ManagersOnlyMixin, FormView):
    template_name = "crm/tags/form.html"
    form_class = TagForm

    def get_initial(self):
        return {name: getattr(self.tag, name) for name in tag_services.TAG_FIELDS}

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)

    def form_valid(self, form):
        old_name = self.tag.name
        try:
            tag = tag_services.tag_update(tag=self.tag, by=self.membership, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        if tag.name != old_name:
            return self.back_to_list(
                f"Tag “{old_name}” renamed to “{tag.name}” on {self.tag.customer_count} "
                f"customer(s) and {self.tag.lead_count} lead(s)."
            )
        return self.back_to_list(f"Tag “{tag.name}” saved.")


class TagMergeView(ManagersOnlyMixin, FormView):
    """GET asks which tag to keep and says what the merge does to how many; POST merges."""

    template_name = "crm/tags/merge.html"
    form_class = MergeForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["into"].queryset = (
            Tag.objects.for_tenant(self.tenant).exclude(pk=self.tag.pk).order_by("name")
        )
        return form

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)

    def form_valid(self, form):
        into = form.cleaned_data["into"]
        try:
            tag_services.tag_merge(source=self.tag, into=into, by=self.membership)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        return self.back_to_list(
            f"Tag “{self.tag.name}” merged into “{into.name}” "
            f"({self.tag.customer_count} customer(s), {self.tag.lead_count} lead(s))."
        )


class TagDeleteView(ManagersOnlyMixin, FormView):
    """GET asks, saying how many customers and leads lose the tag; POST deletes."""

    template_name = "crm/tags/confirm_delete.html"
    form_class = forms.Form

    def get_context_data(self, **kwargs):
        return super().get_context_data(tag=self.tag, **kwargs)

    def form_valid(self, form):
        tag_services.tag_delete(tag=self.tag, by=self.membership)
        return self.back_to_list(
            f"Tag “{self.tag.name}” deleted from {self.tag.customer_count} customer(s) and "
            f"{self.tag.lead_count} lead(s)."
        )
