"""Pages of a list for the browser without counting the table: read ``size + 1`` rows to know
whether a next page exists (DESIGN §8), with links that keep the other query parameters."""

from django.http import HttpRequest, QueryDict

PAGE_SIZE = 25
# Deep pages cost an OFFSET scan; nobody reads a queue 400 pages deep.
MAX_PAGE = 400


class SlicePage:
    """One page of a list, read as ``page size + 1`` rows: whether a next page exists without
    counting the whole table (DESIGN §8)."""

    def __init__(self, rows: list, number: int, size: int, query=None, param: str = "page"):
        self.number = number
        self.size = size
        self.has_next = len(rows) > size
        self.object_list = rows[:size]
        self.has_previous = number > 1
        self.has_other_pages = self.has_next or self.has_previous
        self._query = query
        self._param = param

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    def _url(self, number: int) -> str:
        params = self._query.copy() if self._query is not None else QueryDict(mutable=True)
        if number > 1:
            params[self._param] = str(number)
        else:
            params.pop(self._param, None)
        return f"?{params.urlencode()}"

    @property
    def next_url(self) -> str:
        return self._url(self.next_page_number)

    @property
    def previous_url(self) -> str:
        return self._url(self.previous_page_number)


def page_number(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def slice_page(qs, request: HttpRequest, param: str = "page", size: int = PAGE_SIZE) -> SlicePage:
    """The page of ``qs`` the request asks for in ``param``: one query of size + 1 rows."""
    number = page_number(request.GET.get(param))
    start = (number - 1) * size
    rows = list(qs[start : start + size + 1])
    return SlicePage(rows, number, size, request.GET, param)
