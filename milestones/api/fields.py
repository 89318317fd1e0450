"""Fields of the milestone API whose schema says exactly what the server takes and sends: a wall
clock time of the tenant's day, a latitude and a longitude as decimal strings in range, and a
choice stored blank that is sent as null."""

import re
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# hh:mm or hh:mm:ss, with up to 6 decimals of a second; no offset (the time is the tenant's).
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
# Up to 6 decimals, -90 to 90 and -180 to 180.
LATITUDE_PATTERN = r"^-?(90(\.0{1,6})?|[1-8]?[0-9](\.[0-9]{1,6})?)$"
LONGITUDE_PATTERN = r"^-?(180(\.0{1,6})?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]{1,6})?)$"
DECIMAL_SYNTAX = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")


@extend_schema_field(
    {
        "type": "string",
        "pattern": LOCAL_TIME_PATTERN,
        "example": "14:30:00",
        "description": "A time of day in the tenant's time zone, without an offset.",
    }
)
class LocalTimeField(serializers.TimeField):
    """A time of the tenant's day: hh:mm[:ss[.uuuuuu]] and nothing else (an offset is refused,
    not silently dropped)."""

    default_error_messages = {
        "invalid": "Give a time of day as hh:mm or hh:mm:ss (the tenant's time, no offset)."
    }

    def to_internal_value(self, value):
        if not isinstance(value, str) or not re.match(LOCAL_TIME_PATTERN, value):
            self.fail("invalid")
        return super().to_internal_value(value)


class _CoordinateField(serializers.DecimalField):
    """A coordinate as a decimal string (a JSON number is taken too) from -`limit` to `limit`."""

    limit = 0

    def __init__(self, **kwargs):
        limit = Decimal(self.limit)
        super().__init__(
            max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, **kwargs
        )

    def to_internal_value(self, data):
        if isinstance(data, str) and not DECIMAL_SYNTAX.match(data):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": LATITUDE_PATTERN, "example": "28.704100"}
)
class LatitudeField(_CoordinateField):
    limit = 90


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": LONGITUDE_PATTERN, "example": "77.102500"}
)
class LongitudeField(_CoordinateField):
    limit = 180
