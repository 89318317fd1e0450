from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Services raise Django's ValidationError; the API answers it as a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: dict = {}
            for field, messages in exc.message_dict.items():
                if field == NON_FIELD_ERRORS:
                    detail["detail"] = messages
                elif "." in field:  # "custom_fields.loyalty_points" -> nested
                    outer, inner = field.split(".", 1)
                    detail.setdefault(outer, {})[inner] = messages
                else:
                    detail[field] = messages
        else:
            detail = {"detail": exc.messages}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)
