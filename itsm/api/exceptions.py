"""Errors of the API and the one exception handler that turns every error into an answer.

Service errors map as the DESIGN says: a Django ``ValidationError`` is 400 with per-field
messages, ``PermissionDenied`` (the services' ``ActionForbidden``) is 403 with its message,
a missing object is 404. The incident API raises ``TransitionConflict`` (409) and
``PreconditionFailed`` (412) itself; ``IdempotencyKeyReused`` is 422.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler


class TransitionConflict(exceptions.APIException):
    """The action is not possible in the current state: 409 with the allowed actions."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This action is not possible in the incident's current state.")
    default_code = "conflict"

    def __init__(self, detail, *, state: str = "", allowed_actions=()):
        super().__init__()
        self.detail = {
            "detail": exceptions.ErrorDetail(str(detail), code=self.default_code),
            "status": state,
            "allowed_actions": list(allowed_actions),
        }


class PreconditionFailed(exceptions.APIException):
    """``If-Match`` names another version than the current one: 412."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The incident has changed since you read it; read it again.")
    default_code = "precondition_failed"

    def __init__(self, *, version: int, etag: str, detail=None):
        super().__init__()
        self.detail = {
            "detail": exceptions.ErrorDetail(
                str(detail or self.default_detail), code=self.default_code
            ),
            "version": version,
            "etag": etag,
        }


class IdempotencyKeyReused(exceptions.APIException):
    """The ``Idempotency-Key`` was used before for another request: 422."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _(
        "This Idempotency-Key was already used for a different request; use a new key."
    )
    default_code = "idempotency_key_reused"


def service_errors(exc: DjangoValidationError, rename: dict[str, str] | None = None) -> dict:
    """A service's ValidationError as DRF's per-field dict, with field names renamed to the
    API's (``{"code": "resolution_code"}``) and ``__all__`` as ``non_field_errors``."""
    rename = rename or {}
    detail = as_serializer_error(exc)
    out = {}
    for name, messages in detail.items():
        if name == NON_FIELD_ERRORS:
            name = api_settings.NON_FIELD_ERRORS_KEY
        out[rename.get(name, name)] = messages
    return out


def exception_handler(exc, context):
    """DRF's handler, plus the Django errors the services raise."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=service_errors(exc))
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied) and not exc.args:
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)
