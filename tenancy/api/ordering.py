from rest_framework import filters, serializers


class StrictOrderingFilter(filters.OrderingFilter):
    """`?ordering=a,-b` over the view's `ordering_fields`; an unknown field is a 400, and `-id`
    breaks ties so pages never repeat or skip rows."""

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            allowed = {
                name for name, _ in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [f for f in fields if f.removeprefix("-") not in allowed]
            if unknown:
                choices = ", ".join(sorted(allowed))
                message = f"Cannot order by {', '.join(unknown)}. Use one of {choices}."
                raise serializers.ValidationError({"ordering": [message]})
            ordering = fields
        else:
            ordering = list(self.get_default_ordering(view) or [])
        if ordering and not any(f.lstrip("-") in ("id", "pk") for f in ordering):
            ordering.append("-id")
        return ordering

    def get_schema_operation_parameters(self, view):
        """A comma list, described with the fields it takes (the view's `ordering_fields`, and
        `ordering_schema_note` for fields it adds at run time)."""
        names = list(getattr(view, "ordering_fields", None) or ())
        fields = ", ".join(f"`{name}`" for name in names)
        example = ",".join(["-" + names[0], *names[1:2]]) if names else "-created_at"
        note = getattr(view, "ordering_schema_note", "")
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Fields separated by commas, each `-` first for descending "
                f"(`ordering={example}`): {fields}"
                f"{'; ' + note if note else ''}. An unknown field is a 400.",
                "schema": {"type": "string"},
            }
        ]
