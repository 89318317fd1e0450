from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Services raise Django's ValidationError; the API answers it as a 400 with field messages.
    A body over the size limit is a 413, and Django's other refusals of a request it cannot
    read (too many parameters, …) a 400, both as JSON like every other error."""
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": str(exc)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
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
