"""Cursor pagination: stable pages for systems that poll, whatever is inserted meanwhile."""

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    """Pages of ``page_size`` (default 50, at most 200) in the view's ordering; ``next`` and
    ``previous`` are opaque links that stay valid while rows are added."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-created_at", "-id")


def cursor_pagination(ordering: tuple[str, ...], page_size: int = 100) -> type:
    """A cursor pagination class with a fixed ordering (sub-resources, reference lists)."""
    return type(
        "CursorPagination_" + "_".join(o.lstrip("-") for o in ordering),
        (ApiCursorPagination,),
        {"ordering": ordering, "page_size": page_size},
    )
