"""Finding incidents by what a person types: a number opens the incident, other text is
looked for in titles, descriptions, callers' names and phones, and the comments the user
may read.

On PostgreSQL the text is matched through two GIN indexes per table (migration
``0007_search_indexes``): ``pg_trgm`` trigrams for terms of three characters or more
(``ILIKE '%…%'`` is answered from the index), and an array of the text's character bigrams
for two-character terms (a two-character Chinese word such as 网络 yields no trigram a
``LIKE`` pattern can use, so the trigram index would be read whole). Elsewhere (SQLite) the
same conditions are plain ``icontains`` scans. docs/search.md gives the measurements.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Func, Lookup, Q, QuerySet, TextField, Value
from django.utils import timezone

from incidents.numbering import format_number

# INC-2026-000123, inc-2026-123 …
FULL_NUMBER = re.compile(r"^INC-(\d{4})-(\d{1,10})$", re.IGNORECASE)
# The short form: the sequence part alone (123); longer digit runs are phone numbers.
SHORT_NUMBER = re.compile(r"^#?(\d{1,7})$")
# A short number may name an incident of this many recent years, newest first.
SHORT_NUMBER_YEARS = 3
MIN_TEXT_LENGTH = 2
MAX_TEXT_LENGTH = 100

# The SQL function behind the bigram indexes (created by the migration).
BIGRAMS_FUNCTION = "incidents_bigrams"
DOCUMENT_FUNCTION = "incidents_search_text"
DOCUMENT_FIELDS = ("title", "description", "contact_name", "contact_phone")


@dataclass(frozen=True)
class Query:
    """What a typed text asks for: incident numbers to open, or a text to look for."""

    text: str
    numbers: tuple[str, ...] = ()

    @property
    def too_short(self) -> bool:
        """Too short to search as text (a short number may still open an incident)."""
        return len(self.text) < MIN_TEXT_LENGTH


def parse(raw: str, *, today=None) -> Query:
    """Read what was typed: ``INC-2026-000123`` or ``123`` name incidents (the short form
    any of the last ``SHORT_NUMBER_YEARS`` years, newest first); anything else is text."""
    text = " ".join((raw or "").split())[:MAX_TEXT_LENGTH]
    full = FULL_NUMBER.match(text)
    if full:
        # As typed, and as the numbering writes it (INC-2026-123 is INC-2026-000123).
        typed, written = text.upper(), format_number(int(full[1]), int(full[2]))
        return Query(text, (written,) if typed == written else (written, typed))
    short = SHORT_NUMBER.match(text)
    if short and int(short[1]) > 0:
        year = (today or timezone.localdate()).year
        value = int(short[1])
        return Query(text, tuple(format_number(year - i, value) for i in range(SHORT_NUMBER_YEARS)))
    return Query(text)


def like_pattern(text: str) -> str:
    """``%text%`` with the LIKE wildcards of the text escaped (backslash is the escape)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class ILike(Lookup):
    """``lhs ILIKE '%text%'``: the form a ``gin_trgm_ops`` index answers (Django's
    ``icontains`` wraps both sides in UPPER, which the index does not know)."""

    lookup_name = "search_ilike"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(Value(like_pattern(self.rhs)))
        if connection.vendor == "postgresql":
            return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]
        # SQLite's LIKE ignores the case of ASCII letters, as ILIKE does.
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


class HasBigram(Lookup):
    """``incidents_bigrams(lhs) @> ARRAY['te']``: the text contains the two characters."""

    lookup_name = "search_bigram"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = compiler.compile(Value(self.rhs.lower()))
        return (
            f"{BIGRAMS_FUNCTION}({lhs}) @> ARRAY[{rhs}]::text[]",
            [*lhs_params, *rhs_params],
        )


class IncidentDocument(Func):
    """The incident's searchable text (the migration's SQL function over title, description,
    caller's name and phone). The indexes are built on exactly this expression."""

    function = DOCUMENT_FUNCTION
    output_field = TextField()

    def __init__(self):
        super().__init__(*(F(name) for name in DOCUMENT_FIELDS))


def _indexed() -> bool:
    return connection.vendor == "postgresql"


def text_condition(lhs, text: str, *, indexed: bool) -> Q:
    """``lhs`` contains ``text``, through the index that serves a term of its length.

    A two-character term is the bigram condition (what the GIN index answers) *and* the same
    test as ``ILIKE`` (for a pair without a space the two are equal): when the planner walks
    the newest incidents instead of reading the index, PostgreSQL tests the cheaper ``ILIKE``
    first and computes the bigram array only for the rows that match. Computing it for every
    row walked cost about 0.3 ms a row (王芳: 3,700 rows, 1 to 7 s; docs/search.md)."""
    if indexed and len(text) == MIN_TEXT_LENGTH:
        return Q(HasBigram(lhs, text)) & Q(ILike(lhs, text))
    return Q(ILike(lhs, text))


def incident_text_condition(text: str, *, indexed: bool) -> Q:
    """The incident's own text contains ``text``: the indexed document on PostgreSQL, each
    field in turn elsewhere."""
    if indexed:
        return text_condition(IncidentDocument(), text, indexed=True)
    condition = Q()
    for name in DOCUMENT_FIELDS:
        condition |= text_condition(F(name), text, indexed=False)
    return condition


def matching_incident_ids(text: str, *, public_comments_only: bool, indexed=None) -> QuerySet:
    """The ids of incidents whose own text or (readable) comments contain ``text``: one
    subquery, the UNION of the two indexed look-ups."""
    from incidents.models import Comment, Incident

    indexed = _indexed() if indexed is None else indexed
    own = Incident.objects.filter(incident_text_condition(text, indexed=indexed))
    comments = Comment.objects.filter(text_condition(F("body"), text, indexed=indexed))
    if public_comments_only:
        comments = comments.filter(is_public=True)
    return own.order_by().values("id").union(comments.order_by().values("incident_id"), all=False)


def text_filter(qs: QuerySet, text: str, *, public_comments_only: bool, indexed=None):
    """``qs`` narrowed to the incidents whose text or readable comments contain ``text``."""
    return qs.filter(
        pk__in=matching_incident_ids(
            text, public_comments_only=public_comments_only, indexed=indexed
        )
    )


def first_matches(qs: QuerySet, user, text: str, wanted: int, *, indexed=None) -> QuerySet:
    """``search_filter(qs, user, text)`` for a reader of its first ``wanted`` rows only, in
    ``qs``'s order (any filters, any sort): the same rows, read fast whatever the number of
    matches.

    ``search_filter`` gathers every match (170,000 ids for 打印机) before the sort. Here the
    incidents' own text and the comments are asked separately for their first ``wanted``
    matches in ``qs``'s order, each a ``LIMIT``ed query the planner answers from the GIN
    index (a rare word) or by walking the sort's index until enough match (a common one);
    the first ``wanted`` rows of the whole result are among those (at most ``2 * wanted``)."""
    from incidents.models import Comment

    indexed = _indexed() if indexed is None else indexed
    if not indexed:
        return search_filter(qs, user, text, indexed=False)
    own = qs.filter(incident_text_condition(text, indexed=True))
    comments = Comment.objects.filter(text_condition(F("body"), text, indexed=True))
    if _public_comments_only(user):
        comments = comments.filter(is_public=True)
    by_comment = qs.filter(pk__in=comments.values("incident_id"))
    first = own.values("id")[:wanted].union(by_comment.values("id")[:wanted])
    return qs.filter(pk__in=first)


def _public_comments_only(user) -> bool:
    """Requesters (anyone who is not staff) find incidents by public comments only."""
    from itsm.roles import is_staff

    return not is_staff(user)


def search_filter(qs: QuerySet, user, text: str, *, indexed=None) -> QuerySet:
    """``qs`` (already narrowed to what ``user`` may see) narrowed to the incidents whose
    text or comments readable by ``user`` contain ``text``."""
    return text_filter(qs, text, public_comments_only=_public_comments_only(user), indexed=indexed)


def number_match(user, query: Query):
    """The newest incident the user may see among the numbers the query names, or None."""
    from incidents.models import Incident

    if not query.numbers:
        return None
    return (
        Incident.objects.visible_to(user)
        .filter(number__in=query.numbers)
        .order_by("-created_at", "-id")
        .only("id", "number")
        .first()
    )


def search_results(user, query: Query) -> QuerySet:
    """The incidents the user may see that contain the query's text, newest first."""
    from incidents.models import Incident

    qs = Incident.objects.visible_to(user)
    return search_filter(qs, user, query.text).order_by("-created_at", "-id")


def search_page(user, query: Query, number: int, size: int, *, indexed=None) -> list:
    """Page ``number`` of ``search_results`` as ``size + 1`` incidents (the extra one says a
    next page exists), read fast whatever the number of matches.

    A common word (网络) matches a fifth of the table: gathering every match before sorting
    costs hundreds of milliseconds. Here the incidents' own text and the comments are asked
    separately for their newest ``offset + size + 1`` matches, each as its own query the
    planner answers either from the GIN index (a rare word) or by walking the newest
    incidents until enough match (a common one); the union of the two short lists is sorted
    and sliced in SQL. SQLite (the plain fallback) reads ``search_results``."""
    from incidents.models import Comment, Incident

    indexed = _indexed() if indexed is None else indexed
    start = (number - 1) * size
    if not indexed:
        return list(search_results(user, query)[start : start + size + 1])
    wanted = start + size + 1
    visible = Incident.objects.visible_to(user).order_by("-created_at", "-id")
    own = visible.filter(incident_text_condition(query.text, indexed=True))
    comments = Comment.objects.filter(text_condition(F("body"), query.text, indexed=True))
    if _public_comments_only(user):
        comments = comments.filter(is_public=True)
    by_comment = visible.filter(pk__in=comments.values("incident_id"))
    newest = (
        own.values_list("created_at", "id")[:wanted]
        .union(by_comment.values_list("created_at", "id")[:wanted])
        .order_by("-created_at", "-id")[start : start + size + 1]
    )
    ids = [pk for _created, pk in newest]
    found = Incident.objects.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
