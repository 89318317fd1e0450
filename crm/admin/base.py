"""What the crm admins share: fetching the object through its access selector."""


class SelectedObjectMixin:
    """A tenant admin's change, delete and history pages fetch the object through the entity's
    access selector (`object_for`), like the API and the pages; superusers see every tenant."""

    object_for = None

    def get_object(self, request, object_id, from_field=None):
        if self._is_global(request) or from_field is not None:
            return super().get_object(request, object_id, from_field)
        return self.object_for(
            tenant=request.tenant,
            membership=request.membership,
            pk=object_id,
            queryset=self.get_queryset(request),
        )
