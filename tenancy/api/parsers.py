"""The API's one parser: JSON, bounded in size and depth, with no NUL byte in any string.

Every body the API reads passes through here before any serializer sees it, so these limits
hold for every route, free-form JSON fields (audiences, metadata, custom values) included:

- a body over DATA_UPLOAD_MAX_MEMORY_SIZE bytes is RequestDataTooBig (413 from the API's
  exception handler), read no further than the limit;
- JSON nested deeper than MAX_DEPTH objects/lists is a 400;
- a NUL byte in a string or a key is a 400 naming where it is, as a serializer names a field:
  `{"custom_fields": {"nickname": ["Null characters are not allowed."]}}` (PostgreSQL cannot
  store it in text or JSON, and no field of ours has a use for it);
- a number too large for a float (1e400) is a 400 where it is.
"""

import codecs
import json
import math

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers, serializers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 32
NUL_MESSAGE = "Null characters are not allowed."
NUL_KEY_MESSAGE = "Null characters are not allowed in names."
INFINITE_MESSAGE = "Give a finite number."
DEPTH_MESSAGE = f"JSON nested deeper than {MAX_DEPTH} levels is not accepted."


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_big(limit: int) -> RequestDataTooBig:
    return RequestDataTooBig(f"The body is larger than {limit} bytes.")


def read_bounded(stream, meta) -> bytes:
    """The body, refused (RequestDataTooBig) when its declared or actual length passes the
    limit; never more than the limit plus one byte is read."""
    limit = body_limit()
    if limit is None:
        return stream.read()
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        declared = 0
    if declared > limit:
        raise too_big(limit)
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise too_big(limit)
    return body


def _problems(value, depth: int = 0):
    """(path, message) for every NUL byte and infinite number in `value`; ParseError when it
    nests deeper than MAX_DEPTH (checked before going further down, so the walk is bounded)."""
    if isinstance(value, dict | list):
        if depth >= MAX_DEPTH:
            raise ParseError(DEPTH_MESSAGE)
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and "\x00" in key:
                yield (), NUL_KEY_MESSAGE
                continue
            for path, message in _problems(item, depth + 1):
                yield (key, *path), message
    elif isinstance(value, str):
        if "\x00" in value:
            yield (), NUL_MESSAGE
    elif isinstance(value, float) and not math.isfinite(value):
        yield (), INFINITE_MESSAGE


def error_detail(problems) -> dict:
    """Nested like the body: {"contents": {0: {"body": [message]}}}; problems of the body
    itself (a NUL in a top-level name, a bare string) under "detail"."""
    detail: dict = {}
    for path, message in problems:
        if not path:
            detail.setdefault("detail", []).append(message)
            continue
        node = detail
        for step in path[:-1]:
            node = node.setdefault(step, {})
            if isinstance(node, list):  # a message already stands for this part
                break
        else:
            node.setdefault(path[-1], [])
            if isinstance(node[path[-1]], list):
                node[path[-1]].append(message)
    return detail


def check_value(value) -> None:
    """Raise a ValidationError naming every NUL byte and infinite number in parsed JSON."""
    problems = list(_problems(value))
    if problems:
        raise serializers.ValidationError(error_detail(problems))


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        request = parser_context.get("request")
        meta = request.META if request is not None else {}
        body = read_bounded(stream, meta)
        encoding = parsers.get_encoding(parser_context)
        try:
            text = codecs.decode(body, encoding)
            data = json.loads(text, parse_constant=strict_constant)
        except RecursionError:
            raise ParseError(DEPTH_MESSAGE) from None
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        check_value(data)
        return data
