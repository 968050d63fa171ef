"""How alike two incident titles are, for the duplicate hints while a call is logged: Latin
words, and the two-character pieces of Chinese text (which has no spaces). Pure Python."""

import re

# A run of Latin letters and digits, or a run of CJK ideographs.
_RUN = re.compile(r"[0-9a-z]+|[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")

# How many terms of a title are looked for: the first ones say what it is about.
MAX_TERMS = 8
# A title is alike when at least this share of the typed title's terms is in it.
ALIKE_SHARE = 0.5


def title_terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The terms of a title, in order, without repeats: Latin words of three characters or
    more, and every two-character piece of each Chinese run ("打印机卡纸" gives 打印, 印机,
    机卡, 卡纸); a lone Chinese character says too little to count."""
    terms: list[str] = []
    for run in _RUN.findall((text or "").lower()):
        if run.isascii():
            pieces = [run] if len(run) >= 3 else []
        else:
            pieces = [run[i : i + 2] for i in range(len(run) - 1)]
        for piece in pieces:
            if piece not in terms:
                terms.append(piece)
    return terms[:limit]


def title_likeness(terms: list[str], title: str) -> float:
    """The share of ``terms`` found in ``title``, as the database's case-insensitive
    "contains" finds them (0 when there are no terms)."""
    if not terms:
        return 0.0
    other = (title or "").lower()
    return sum(1 for term in terms if term in other) / len(terms)


def titles_alike(terms: list[str], title: str) -> bool:
    return title_likeness(terms, title) >= ALIKE_SHARE
