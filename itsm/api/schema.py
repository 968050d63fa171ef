"""The OpenAPI conventions of the API: error answers, the ``Idempotency-Key`` and ``If-Match``
headers and ``Retry-After`` are documented on every operation they apply to, here, once."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorSerializer(serializers.Serializer):
    """An error that is not about fields."""

    detail = serializers.CharField(help_text=_("What went wrong, in the user's language."))


class ConflictSerializer(serializers.Serializer):
    """409: the action is not possible in the incident's current state."""

    detail = serializers.CharField(help_text=_("What went wrong."))
    status = serializers.CharField(help_text=_("The incident's current status."))
    allowed_actions = serializers.ListField(
        child=serializers.CharField(), help_text=_("The actions the caller may take now.")
    )


class PreconditionFailedSerializer(serializers.Serializer):
    """412: the incident changed since the caller read it."""

    detail = serializers.CharField(help_text=_("What went wrong."))
    version = serializers.IntegerField(help_text=_("The incident's current version."))
    etag = serializers.CharField(help_text=_("The incident's current ETag."))


VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": str(
        _(
            "Per-field errors: each key is a field of the request (or a header name) with its "
            "messages; ``non_field_errors`` holds errors about the request as a whole and "
            "``detail`` a request that could not be read at all."
        )
    ),
    "properties": {
        "detail": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "object"}]
    },
}


def _example(name, value, summary=""):
    return OpenApiExample(name, value=value, summary=summary or name, response_only=True)


ERROR_RESPONSES = {
    400: OpenApiResponse(
        VALIDATION_ERROR_SCHEMA,
        description=_("Bad input: per-field errors. Nothing was changed."),
        examples=[
            _example(
                "Per-field errors",
                {"department": ["No section has the code “nosuch”."], "reason": ["Required."]},
            )
        ],
    ),
    401: OpenApiResponse(
        ErrorSerializer,
        description=_("No valid token or session."),
        examples=[_example("Not authenticated", {"detail": "Invalid token."})],
    ),
    403: OpenApiResponse(
        ErrorSerializer,
        description=_("The caller may not do this."),
        examples=[_example("Forbidden", {"detail": "You may not assign this incident."})],
    ),
    404: OpenApiResponse(
        ErrorSerializer,
        description=_("No such resource, or the caller may not see it."),
        examples=[_example("Not found", {"detail": "No Incident matches the given query."})],
    ),
    409: OpenApiResponse(
        ConflictSerializer,
        description=_("Not possible in the incident's current state; lists what is."),
        examples=[
            _example(
                "Not allowed now",
                {
                    "detail": "“accept” is not possible while the incident is “resolved”.",
                    "status": "resolved",
                    "allowed_actions": ["close", "reopen"],
                },
            )
        ],
    ),
    412: OpenApiResponse(
        PreconditionFailedSerializer,
        description=_("If-Match names an older version of the incident: read it again."),
        examples=[
            _example(
                "Stale",
                {
                    "detail": "The incident has changed since you read it; read it again.",
                    "version": 4,
                    "etag": '"INC-2026-000123-v4"',
                },
            )
        ],
    ),
    415: OpenApiResponse(
        ErrorSerializer,
        description=_("The body's media type is not accepted here."),
        examples=[_example("Media type", {"detail": 'Unsupported media type "text/xml".'})],
    ),
    422: OpenApiResponse(
        ErrorSerializer,
        description=_("The Idempotency-Key was already used for a different request."),
        examples=[
            _example(
                "Key reused",
                {
                    "detail": "This Idempotency-Key was already used for a different request; "
                    "use a new key."
                },
            )
        ],
    ),
    429: OpenApiResponse(
        ErrorSerializer,
        description=_("Too many requests for this token; wait Retry-After seconds."),
        examples=[
            _example("Throttled", {"detail": "Request was throttled. Expected in 12 seconds."})
        ],
    ),
}

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=_(
        "Any unique string (a UUID): a retry with the same key and body returns the first "
        "answer and changes nothing; the same key with another body answers 422."
    ),
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=_(
        "The incident's ETag as read: the change is refused with 412 if the incident has "
        "changed since."
    ),
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description=_("Seconds to wait before the next request."),
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description=_("The incident's version tag, for If-Match."),
)
LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    response=[201],
    description=_("The new resource's URL."),
)

BODY_METHODS = ("POST", "PUT", "PATCH")


class ItsmAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the answers and headers every operation shares.

    A view says which of its operations may answer 409 (``conflict_actions``) and which take
    ``If-Match`` (``if_match_actions``): sets of viewset action names or HTTP methods.
    """

    def _marks(self, attribute: str) -> bool:
        names = getattr(self.view, attribute, ())
        return getattr(self.view, "action", None) in names or self.method in names

    def _authenticated(self) -> bool:
        return not any(
            issubclass(p, AllowAny) for p in getattr(self.view, "permission_classes", [])
        )

    def _idempotent(self) -> bool:
        return self.method == "POST" and self._authenticated()

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self._idempotent():
            params.append(IDEMPOTENCY_KEY)
        if self._marks("if_match_actions"):
            params.append(IF_MATCH)
        params.append(RETRY_AFTER)
        return params

    def _error_codes(self) -> list[int]:
        # 400 everywhere: any path, parameter or header may hold text that cannot be stored
        # (itsm/textguard.py), besides the bodies and filters.
        codes = [400, 429]
        if self._authenticated():
            codes += [401, 403]
        has_body = self.method in BODY_METHODS
        is_list = self._is_list_view() and self.method == "GET"
        if "{" in self.path or is_list:
            codes.append(404)  # an unknown object, or an invalid cursor
        if has_body:
            codes.append(415)
        if self._idempotent():
            codes.append(422)
        if self._marks("conflict_actions"):
            codes.append(409)
        if self._marks("if_match_actions"):
            codes.append(412)
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    ERROR_RESPONSES[code], str(code), direction=direction
                )
        return responses
