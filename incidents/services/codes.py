"""Codes the product itself needs and creates on first use (administrators edit them in the
admin like any other)."""

from incidents.models import ResolutionCode


def resolution_code_ensure(*, code: str, name_zh: str, name_en: str) -> ResolutionCode:
    """The resolution code ``code``, created with these names if it does not exist yet; an
    existing one is returned as the administrators left it (names, ``active``)."""
    found, _created = ResolutionCode.objects.get_or_create(
        code=code, defaults={"name_zh": name_zh, "name_en": name_en}
    )
    return found
