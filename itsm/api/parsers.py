"""The API's JSON parser: refuses, with 400, a body nested deeper than ``MAX_JSON_DEPTH`` before
parsing it into Python objects, and text that cannot be stored (``itsm.textguard``) once
parsed, naming the field. Form and multipart bodies are checked by the middleware."""

import io
import re

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.settings import api_settings

from itsm.textguard import text_problem

MAX_JSON_DEPTH = 32

# A JSON string (escapes included), and the brackets that nest.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth_exceeds(raw: bytes, limit: int) -> bool:
    """Whether the JSON text nests arrays and objects deeper than ``limit``: brackets are
    counted outside strings, without building anything (malformed text is left to the
    parser)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", raw)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _text_errors(value, limit: int = MAX_JSON_DEPTH + 1):
    """The first text in the parsed body that cannot be stored, as DRF's nested errors."""
    if isinstance(value, str):
        message = text_problem(value)
        return [message] if message else None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), item) for i, item in enumerate(value))
    else:
        return None
    for key, item in items:
        if message := text_problem(key):
            return {api_settings.NON_FIELD_ERRORS_KEY: [message]}
        if limit and (errors := _text_errors(item, limit - 1)):
            return {key: errors}
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded in depth and refusing text that cannot be stored."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        limit = MAX_JSON_DEPTH
        if json_depth_exceeds(raw, limit):
            raise ParseError(
                _("JSON nested deeper than %(limit)d levels is not accepted.") % {"limit": limit}
            )
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        errors = _text_errors(data)
        if errors:
            if isinstance(errors, list):
                errors = {api_settings.NON_FIELD_ERRORS_KEY: errors}
            raise ValidationError(errors)
        return data
