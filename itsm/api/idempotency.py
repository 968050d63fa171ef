"""``Idempotency-Key`` on every POST: a retry gets the first answer and changes nothing.

The request runs in one transaction that first inserts the key's row. The row is unique per
(user, key), so a second request with the same key waits on the database until the first
one commits, then finds the row and replays the stored answer instead of running again:
two identical requests sent at once make one incident. Only successful (2xx) answers are
kept; on any error the transaction rolls back with the key, so the client may retry. A key
already used for a request with another method, path or body answers 422.
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


def _stored(response) -> tuple[object, dict]:
    body = json.loads(json.dumps(response.data, cls=encoders.JSONEncoder))
    headers = {name: response[name] for name in STORED_HEADERS if response.has_header(name)}
    return body, headers


_KEY_COLUMNS = ("user", "key", "method", "path", "request_hash", "response_headers", "created_at")


@functools.cache
def _insert_key_sql(vendor: str) -> str:
    """The claim's INSERT, built from the model's own table and column names only."""
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


def _insert_key(*, user, key: str, method: str, path: str, digest: str) -> int | None:
    """Insert the key's row and return its id, or None when the key has a committed row
    already. One statement: ``ON CONFLICT DO NOTHING`` waits for a concurrent holder of the
    key to commit or roll back (PostgreSQL; SQLite 3.35+ serialises writers anyway)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_key_sql(connection.vendor),
            [user.pk, key, method, path[:500], digest, "{}", now],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _claim(*, user, key: str, method: str, path: str, digest: str):
    """Insert the key's row (waiting for a concurrent holder of the key to finish): its id,
    or the committed row a previous request left."""
    for _attempt in range(2):
        record_id = _insert_key(user=user, key=key, method=method, path=path, digest=digest)
        if record_id is not None:
            return record_id, None
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:  # deleted meanwhile (purged): try again
            continue
        ttl = timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
        if existing.created_at < timezone.now() - ttl:
            existing.delete()
            continue
        return None, existing
    raise exceptions.APIException(_("The Idempotency-Key could not be claimed; retry."))


def run_idempotent(request, key: str, call):
    """Run ``call()`` (the view's handler, returning a response) once per key."""
    if not KEY_PATTERN.match(key):
        raise exceptions.ValidationError(
            {HEADER: [_("Use 1 to 255 visible ASCII characters (a UUID, for instance).")]}
        )
    digest = request_hash(request)
    with transaction.atomic():
        record_id, existing = _claim(
            user=request.user,
            key=key,
            method=request.method,
            path=request.get_full_path(),
            digest=digest,
        )
        if existing is not None:
            if existing.request_hash != digest:
                raise IdempotencyKeyReused()
            if existing.status_code is None:  # not expected: rows commit with their answer
                raise exceptions.APIException(_("The first request with this key is not done."))
            headers = {**existing.response_headers, REPLAYED_HEADER: "true"}
            return Response(existing.response_body, status=existing.status_code, headers=headers)
        response = call()
        if 200 <= response.status_code < 300:
            body, headers = _stored(response)
            IdempotencyKey.objects.filter(pk=record_id).update(
                response_body=body, response_headers=headers, status_code=response.status_code
            )
        else:
            # Nothing the request did is kept, not even its key: the client may retry.
            transaction.set_rollback(True)
        return response


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
