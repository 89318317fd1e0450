"""The segment pages (/segments/): the tenant's segments in their order with colour, member
count and rebuild state in words; one segment with its progress bar (htmx polls it while a
rebuild is queued or running) and its first members; the builder (the same condition builder
as campaign audiences, with a live count and the first members as the user edits); "Rebuild
now"; delete after a confirmation that says how many customers it holds.

Every member sees the segments; admins and managers create, edit, rebuild and delete them
(the segment services check it). Writes go through crm.services.segments; counts and members
come from crm.selectors.segments (the stored membership)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from tenancy.forms import add_service_errors, error_text
from tenancy.scoping import TenantPageMixin

from ..forms.conditions import ConditionJsonForm
from ..models import RebuildStatus, Segment
from ..selectors.segments import (
    PREVIEW_SIZE,
    segment_customers,
    segment_for,
    segment_preview,
    segments_visible_to,
)
from ..services.segments import (
    SEGMENT_WRITE_ROLES,
    segment_create,
    segment_delete,
    segment_request_rebuild,
    segment_update,
)
from .conditions import PostedConditionMixin

# While a rebuild is waiting or running, the progress part asks again this often.
POLL_EVERY = "1s"


class SegmentForm(forms.Form):
    """The segment's own fields as the model defines them; the service judges them (and the
    condition) and reports every problem at once."""

    name = Segment._meta.get_field("name").formfield()
    description = Segment._meta.get_field("description").formfield(
        widget=forms.Textarea(attrs={"rows": 2})
    )
    color = Segment._meta.get_field("color").formfield(
        label="Colour",
        widget=forms.TextInput(attrs={"type": "color"}),
        validators=Segment._meta.get_field("color").validators,
    )
    order = Segment._meta.get_field("order").formfield(
        help_text="Lower comes first (the list and the customer page's tabs)."
    )
    is_active = Segment._meta.get_field("is_active").formfield(label="Active")


def status_words(segment: Segment) -> str:
    """ "Up to date", "Rebuilding… 40%", "Waiting to rebuild", "Failed: …"."""
    if segment.status == RebuildStatus.RUNNING:
        share = int(100 * segment.processed / segment.total) if segment.total else 0
        return f"Rebuilding… {share}%"
    if segment.status == RebuildStatus.FAILED:
        return f"Failed: {segment.error or 'no reason recorded'}"
    if not segment.is_active and segment.status == RebuildStatus.IDLE:
        return "Switched off (members kept as they were)"
    return segment.get_status_display()


class SegmentsMixin(TenantPageMixin):
    """One segment through `segment_for` (another tenant's is a 404 like a missing one)."""

    @cached_property
    def segment(self) -> Segment:
        return segment_for(tenant=self.tenant, membership=self.membership, pk=self.kwargs["pk"])

    @property
    def may_manage(self) -> bool:
        return self.membership.role in SEGMENT_WRITE_ROLES

    def get_context_data(self, **kwargs):
        return super().get_context_data(may_manage=self.may_manage, **kwargs)


class ManagersOnlyMixin(SegmentsMixin):
    """After the sign-in and tenant checks (and the object's 404): only admins and managers."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated or request.tenant is None:
            return super().dispatch(request, *args, **kwargs)
        if "pk" in kwargs:
            self.segment  # noqa: B018  (another tenant's segment is a 404 before any refusal)
        if not self.may_manage:
            raise PermissionDenied("Only admins and managers change segments.")
        return super().dispatch(request, *args, **kwargs)


class SegmentListView(SegmentsMixin, TemplateView):
    template_name = "crm/segments/list.html"

    def get_context_data(self, **kwargs):
        segments = segments_visible_to(tenant=self.tenant, membership=self.membership)
        rows = [{"segment": s, "status": status_words(s)} for s in segments]
        return super().get_context_data(rows=rows, **kwargs)


class SegmentDetailView(SegmentsMixin, TemplateView):
    """The segment, its rebuild state (a progress bar while it rebuilds) and newest members."""

    template_name = "crm/segments/detail.html"

    def get_context_data(self, **kwargs):
        segment = self.segment
        members = segment_customers(tenant=self.tenant, segment=segment)[:PREVIEW_SIZE]
        return super().get_context_data(members=members, **status_context(segment), **kwargs)


def status_context(segment: Segment) -> dict:
    busy = segment.status in (RebuildStatus.QUEUED, RebuildStatus.RUNNING)
    share = int(100 * segment.processed / segment.total) if segment.total else 0
    return {
        "segment": segment,
        "status": status_words(segment),
        "busy": busy,
        "share": share if segment.status == RebuildStatus.RUNNING else 0,
        "poll_every": POLL_EVERY,
    }


class SegmentStatusView(SegmentsMixin, TemplateView):
    """GET (htmx, polled): the progress part of the segment page, read again from the row."""

    template_name = "crm/segments/_status.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**status_context(self.segment), **kwargs)


class BuilderMixin(PostedConditionMixin, SegmentsMixin):
    """The condition as posted: the rule rows, or the JSON editor for a condition the rows
    cannot show (editor=json)."""


class SegmentPreviewView(BuilderMixin, TemplateView):
    """POST (htmx, from the builder): how many customers the posted, unsaved condition matches
    now and the first of them — the same selector as the API's `segments/preview/`."""

    http_method_names = ["post"]
    template_name = "crm/conditions/_count.html"

    def post(self, request, *args, **kwargs):
        condition, errors, _, _ = self.posted_condition(request.POST)
        editing = request.POST.get("segment_id", "")
        segment_id = None
        if editing.isascii() and editing.isdigit():
            segment_id = segment_for(tenant=self.tenant, membership=self.membership, pk=editing).pk
        count, members = None, []
        if condition is not None:
            try:
                preview = segment_preview(
                    tenant=self.tenant, conditions=condition, segment_id=segment_id
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                count, members = preview.count, preview.customers
        return self.render_to_response(
            self.get_context_data(count={"count": count}, members=members, errors=errors)
        )


class SegmentFormView(ManagersOnlyMixin, BuilderMixin, TemplateView):
    """Create (no pk) or edit a segment: its fields and its condition in one form; every
    problem of both shown at once; saving starts the rebuild and shows the segment's page."""

    template_name = "crm/segments/form.html"

    @cached_property
    def editing(self) -> Segment | None:
        return self.segment if "pk" in self.kwargs else None

    def initial(self) -> dict:
        segment = self.editing
        if segment is None:
            return {"color": Segment._meta.get_field("color").default, "is_active": True}
        return {name: getattr(segment, name) for name in SegmentForm.base_fields}

    def get(self, request, *args, **kwargs):
        condition = self.editing.conditions if self.editing else {}
        builder = self.builder(condition=condition)
        json_form = ConditionJsonForm(initial={"condition": condition})
        return self.render(SegmentForm(initial=self.initial()), builder, json_form, [], condition)

    def preview(self, condition) -> tuple[dict, list]:
        """The live count and first members of the condition (none when it does not compile)."""
        if condition is None:
            return {"count": None}, []
        segment_id = self.editing.pk if self.editing else None
        try:
            found = segment_preview(tenant=self.tenant, conditions=condition, segment_id=segment_id)
        except ValidationError as exc:
            return {"error": error_text(exc)}, []
        return {"count": found.count}, found.customers

    def render(self, form, builder, json_form, errors, condition, status=200):
        segment = self.editing
        count, members = self.preview(condition)
        context = self.get_context_data(
            form=form,
            builder=builder,
            json_form=json_form,
            errors=errors,
            segment=segment,
            count=count,
            members=members,
            editable=True,
        )
        return self.render_to_response(context, status=status)

    def post(self, request, *args, **kwargs):
        form = SegmentForm(request.POST, initial=self.initial())
        condition, errors, builder, json_form = self.posted_condition(request.POST)
        if form.is_valid() and condition is not None:
            data = {**form.cleaned_data, "conditions": condition}
            try:
                if self.editing is None:
                    segment = segment_create(tenant=self.tenant, by=self.membership, data=data)
                else:
                    segment = segment_update(segment=self.editing, by=self.membership, data=data)
            except ValidationError as exc:
                errors = self.service_errors(form, exc)
            else:
                messages.success(request, f"Segment “{segment.name}” saved.")
                return redirect("crm:segment-detail", pk=segment.pk)
        return self.render(form, builder, json_form, errors, condition, status=400)

    @staticmethod
    def service_errors(form, exc: ValidationError) -> list[str]:
        """The service's errors on the form's fields; the condition's above the builder."""
        conditions = exc.message_dict.get("conditions", []) if hasattr(exc, "error_dict") else []
        rest = {k: v for k, v in exc.message_dict.items() if k != "conditions"}
        if rest:
            add_service_errors(form, ValidationError(rest))
        return [f"Condition: {message}" for message in conditions]


class SegmentRebuildView(ManagersOnlyMixin, TemplateView):
    """POST: rebuild the stored members from the condition, in the background."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            segment_request_rebuild(segment=self.segment, by=self.membership)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, f"Rebuilding “{self.segment.name}”.")
        return redirect("crm:segment-detail", pk=self.segment.pk)


class SegmentDeleteView(ManagersOnlyMixin, TemplateView):
    """GET asks, saying how many customers the segment holds (they are not deleted); POST
    deletes it."""

    template_name = "crm/segments/confirm_delete.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(segment=self.segment, **kwargs)

    def post(self, request, *args, **kwargs):
        segment = self.segment
        try:
            segment_delete(segment=segment, by=self.membership)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("crm:segment-detail", pk=segment.pk)
        messages.success(
            request,
            f"Segment “{segment.name}” deleted ({segment.customer_count} customer"
            f"{'' if segment.customer_count == 1 else 's'} kept).",
        )
        return redirect("crm:segment-list")
