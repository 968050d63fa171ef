"""How a person is named on every page, notification, e-mail and API ``*_name`` field.

One rule: a name written in Chinese characters is the surname then the given name with no
space (王芳); a name in Latin letters is the given name then the surname ("Fang Wang"), as
each language writes it; an account without a name shows its username. Django's
``get_full_name`` (given name first, with a space) gives "芳 王" and is never used for
display.
"""

import re

# CJK Unified Ideographs (with extension A), compatibility ideographs, and the middle dot
# some names use (阿依古丽·买买提).
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def full_name(last_name: str, first_name: str, username: str = "") -> str:
    """The display name from its parts (for rows read with ``values()``)."""
    last = (last_name or "").strip()
    first = (first_name or "").strip()
    if not last and not first:
        return username or ""
    if _HAN.search(last) or _HAN.search(first):
        return f"{last}{first}"
    return f"{first} {last}".strip()


def person_name(user) -> str:
    """The display name of ``user`` (a User or None: empty string)."""
    if user is None:
        return ""
    return full_name(
        getattr(user, "last_name", ""),
        getattr(user, "first_name", ""),
        getattr(user, "username", ""),
    )
