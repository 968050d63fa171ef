"""The one rule that text can be stored: no NUL character (PostgreSQL refuses it) and no lone
UTF-16 surrogate (it cannot be encoded); and the middleware that applies it to every request.

The middleware checks what every request brings before any view reads it: the path and its
parameters, the query string, the headers, and form bodies (``request.POST``; the browser's
forms and the API's form and multipart bodies alike). JSON bodies are checked by the API's
parser (``itsm.api.parsers``), while it parses them. A refused request answers 400 naming
what was wrong: ``{"<name>": ["<message>"]}`` under /api/, the 400 page in the browser.
"""

import re
from collections.abc import Iterable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

# NUL, and any surrogate code point: a well-formed pair is one astral character by the time
# the text is a Python ``str``, so a surrogate left in it is a lone one.
_BAD = re.compile("[\x00\ud800-\udfff]")

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def text_problem(value: str) -> str | None:
    """Why the text cannot be stored, or None when it can."""
    found = _BAD.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("The text contains a NUL character (\\u0000), which cannot be stored.")
    return _("The text contains an unpaired surrogate (\\ud800–\\udfff), which is not valid text.")


def first_problem(pairs: Iterable[tuple[str, object]]) -> dict[str, list[str]]:
    """``{name: [message]}`` for the first named text that cannot be stored (names too)."""
    for name, value in pairs:
        name = str(name)
        for text in (name, value):
            if isinstance(text, str) and (message := text_problem(text)):
                return {_safe_name(name): [message]}
    return {}


def _safe_name(name: str) -> str:
    return _BAD.sub("\ufffd", name)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def refused(request: HttpRequest, errors: dict[str, list[str]]) -> HttpResponse:
    """The 400 answer: the API's error shape, or the browser's 400 page."""
    if is_api(request):
        return JsonResponse(errors, status=400)
    problems = [message for group in errors.values() for message in group]
    return render(request, "400.html", {"problems": problems}, status=400)


class RefuseBadTextMiddleware:
    """Refuses, with 400, a request whose path, parameters, headers or form fields hold text
    that cannot be stored (``text_problem``). It runs once the URL is resolved, so that a
    path parameter is named by its name (``number``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        errors = (
            first_problem(view_kwargs.items())
            or first_problem(("path", arg) for arg in view_args)
            or first_problem([("path", request.path_info)])
            or first_problem(_flat(request.GET))
            or first_problem(
                (name[5:].replace("_", "-").title(), value)
                for name, value in request.META.items()
                if name.startswith("HTTP_")
            )
        )
        if not errors and request.content_type in FORM_TYPES:
            try:
                errors = first_problem(_flat(request.POST)) or first_problem(
                    (name, upload.name) for name, upload in request.FILES.items()
                )
            except MultiPartParserError as exc:
                if not is_api(request):
                    raise  # Django's own 400
                detail = _("The form body is malformed: %(error)s") % {"error": exc}
                return JsonResponse({"detail": detail}, status=400)
        return refused(request, errors) if errors else None


def _flat(query) -> Iterable[tuple[str, str]]:
    for name, values in query.lists():
        for value in values:
            yield name, value
