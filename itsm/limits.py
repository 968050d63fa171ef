"""How long each kind of text people write may be: one table, applied by field name to every
browser form (``itsm.forms.BootstrapMixin``) and every API input (``StrictSerializer``), so
that the two always agree. docs/api.md lists them."""

from django.core.validators import MaxLengthValidator

TEXT_LIMITS = {
    "title": 200,  # a summary, as the column allows
    "description": 10_000,  # what happened, with pasted error messages
    "body": 10_000,  # a comment
    "resolution": 10_000,  # what was done
    "reason": 1_000,  # why: hand-over, return, escalation, reopening, cancellation …
    "note": 1_000,  # a work-log or suspension note
    "satisfaction_comment": 1_000,
}


def limit_text_field(name: str, field, message=None) -> None:
    """Give a form or serializer text field ``name`` its limit, unless it has a smaller one.
    ``message(limit)``: the field's own "too long" message (Django's validator's otherwise)."""
    limit = TEXT_LIMITS.get(name)
    if limit is None or (field.max_length is not None and field.max_length <= limit):
        return
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit, message=message(limit) if message else None))
