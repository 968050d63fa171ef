"""``Idempotency-Key`` on every POST: a retry gets the first answer and changes nothing.

The request runs in one transaction which, when its answer is a success, ends by inserting
the key's row with that answer. The row is unique per (user, key): a second request with
the same key that reaches this insert while the first is still open waits on the database
until the first commits, then finds the row, rolls back everything it did and replays the
stored answer. Two identical requests sent at once therefore make one incident. A request
that fails (any non-2xx answer) rolls back and is not stored, so the client may retry; if
the key had already been answered, that stored answer is replayed instead of the error (a
retried action finds the incident already moved on). A key already used for a request with
another method, path or body answers 422.

Writing the row once, with the answer, costs one statement per request; the price is paid
by retries, which do the work again before they find the key and undo it (their incident
numbers are skipped).
"""

import functools
import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.utils import encoders

from itsm.api.exceptions import IdempotencyKeyReused
from itsm.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as in the IETF draft
STORED_HEADERS = ("Location", "ETag")


def request_hash(request) -> str:
    """SHA-256 of the method, the full path and the parsed body (files by their content)."""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0")
    digest.update(request.get_full_path().encode())
    digest.update(b"\0")
    data = request.data
    if hasattr(data, "lists"):  # a QueryDict (form or multipart): fields, then files
        files = request.FILES
        fields = {key: values for key, values in data.lists() if key not in files}
        digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
        for name in sorted(files):
            for upload in files.getlist(name):
                file_digest = hashlib.sha256()
                for chunk in upload.chunks():
                    file_digest.update(chunk)
                upload.seek(0)
                digest.update(f"\0{name}:{upload.name}:{upload.size}:".encode())
                digest.update(file_digest.hexdigest().encode())
    else:
        digest.update(
            json.dumps(data, sort_keys=True, cls=encoders.JSONEncoder, ensure_ascii=False).encode()
        )
    return digest.hexdigest()


def _stored(response) -> tuple[str, dict]:
    """The answer as stored: its body as JSON text, and the headers a replay repeats."""
    body = json.dumps(response.data, cls=encoders.JSONEncoder)
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    return body, headers


_KEY_COLUMNS = (
    "user",
    "key",
    "method",
    "path",
    "request_hash",
    "status_code",
    "response_body",
    "response_headers",
    "created_at",
)


@functools.cache
def _insert_key_sql(vendor: str) -> str:
    """The key's INSERT, built from the model's own table and column names only."""
    qn = connection.ops.quote_name
    meta = IdempotencyKey._meta

    def column(name):
        return qn(meta.get_field(name).column)

    columns = ", ".join(column(name) for name in _KEY_COLUMNS)
    values = ", ".join(["%s"] * len(_KEY_COLUMNS))
    return (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) VALUES ({values}) "  # noqa: S608
        f"ON CONFLICT ({column('user')}, {column('key')}) DO NOTHING "
        f"RETURNING {qn(meta.pk.column)}"
    )


def _insert_key(*, user, key: str, method: str, path: str, digest: str, answer) -> int | None:
    """Insert the key's row with its answer and return its id, or None when the key has a
    committed row already. One statement: ``ON CONFLICT DO NOTHING`` waits for a concurrent
    holder of the key to commit or roll back (PostgreSQL; SQLite serialises writers anyway)."""
    status_code, body, headers = answer
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_key_sql(connection.vendor),
            [
                user.pk,
                key,
                method,
                path[:500],
                digest,
                status_code,
                body,
                json.dumps(headers),
                now,
            ],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _answered(*, user, key: str) -> IdempotencyKey | None:
    """The key's stored answer, unless it is older than API_IDEMPOTENCY_TTL_HOURS."""
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    ttl = timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    if existing is None or existing.created_at < timezone.now() - ttl:
        return None
    return existing


def _replay(existing: IdempotencyKey, digest: str) -> Response:
    if existing.request_hash != digest:
        raise IdempotencyKeyReused()
    headers = {**existing.response_headers, REPLAYED_HEADER: "true"}
    return Response(existing.response_body, status=existing.status_code, headers=headers)


def _store(*, request, key: str, digest: str, response) -> IdempotencyKey | None:
    """Store the answer under the key: None when stored, else the answer stored before.
    A row past its time to live is deleted and the key stored anew."""
    body, headers = _stored(response)
    fields = {
        "user": request.user,
        "key": key,
        "method": request.method,
        "path": request.get_full_path(),
        "digest": digest,
        "answer": (response.status_code, body, headers),
    }
    for _attempt in range(2):
        if _insert_key(**fields) is not None:
            return None
        existing = _answered(user=request.user, key=key)
        if existing is not None:
            return existing
        # Expired (or purged meanwhile): make room for this answer.
        IdempotencyKey.objects.filter(user=request.user, key=key).delete()
    raise exceptions.APIException(_("The Idempotency-Key could not be stored; retry."))


def run_idempotent(request, key: str, call):
    """Run ``call()`` (the view's handler, returning a response) once per key."""
    if not KEY_PATTERN.match(key):
        raise exceptions.ValidationError(
            {HEADER: [_("Use 1 to 255 visible ASCII characters (a UUID, for instance).")]}
        )
    digest = request_hash(request)
    with transaction.atomic():
        response = call()
        if 200 <= response.status_code < 300:
            existing = _store(request=request, key=key, digest=digest, response=response)
            if existing is None:
                return response
        else:
            existing = None
        # Nothing this request did is kept, not even its key: the client may retry.
        transaction.set_rollback(True)
    if existing is None:
        # A failure: the stored answer of an earlier request with the key, if any, wins.
        existing = _answered(user=request.user, key=key)
        if existing is None:
            return response
    return _replay(existing, digest)


class IdempotentMixin:
    """For API views: a POST with ``Idempotency-Key`` runs through ``run_idempotent``."""

    def dispatch(self, request, *args, **kwargs):
        # DRF's APIView.dispatch, with the handler call wrapped for idempotent POSTs.
        self.args = args
        self.kwargs = kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            if request.method.lower() in self.http_method_names:
                handler = getattr(self, request.method.lower(), self.http_method_not_allowed)
            else:
                handler = self.http_method_not_allowed
            key = request.headers.get(HEADER) if request.method == "POST" else None
            if key is not None and request.user.is_authenticated:

                def call():
                    try:
                        return handler(request, *args, **kwargs)
                    except Exception as exc:  # noqa: BLE001 - turned into the answer to store
                        return self.handle_exception(exc)

                response = run_idempotent(request, key.strip(), call)
            else:
                response = handler(request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - DRF's own handling, as in APIView.dispatch
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response


def purge_idempotency_keys(*, now=None) -> int:
    """Forget keys older than API_IDEMPOTENCY_TTL_HOURS; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
