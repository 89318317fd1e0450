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
