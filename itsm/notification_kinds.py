"""The registry of notification event kinds: code -> label, filled by the apps that notify.

The shared core names no kind of its own: each app registers the kinds it sends once at
start-up, from its ``AppConfig.ready()`` (``incidents`` registers the incident and SLA kinds):
``notification_kind_register("reports.ready", _("Report ready"))``. A low-priority kind is
registered with ``digest=True``: its recipients may take its email in the daily digest.
"""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NotificationKind:
    """A kind of event people can be notified about."""

    code: str
    label: str | Promise
    # Low priority: may be emailed in the daily digest instead of at once.
    digest: bool = False


_KINDS: dict[str, NotificationKind] = {}


def notification_kind_register(
    code: str, label: str | Promise, *, digest: bool = False
) -> NotificationKind:
    """Add a kind (idempotent for the same code); the code must be ``<app>.<event>``."""
    app, sep, event = code.partition(".")
    if not (app and sep and event) or len(code) > 60 or code != code.lower():
        raise ValueError(f"a notification kind is a lower-case '<app>.<event>' code: {code!r}")
    kind = NotificationKind(code=code, label=label, digest=digest)
    _KINDS[code] = kind
    return kind


def notification_kind(code: str) -> NotificationKind | None:
    """The registered kind of the code, or None."""
    return _KINDS.get(code)


def notification_kinds() -> list[NotificationKind]:
    """Every registered kind, in registration order."""
    return list(_KINDS.values())


def notification_kind_label(code: str) -> str | Promise:
    """The label of the code, or the code itself for a kind no longer registered."""
    kind = _KINDS.get(code)
    return kind.label if kind else code


def notification_kind_choices() -> list[tuple[str, str | Promise]]:
    """(code, label) pairs for form fields."""
    return [(k.code, k.label) for k in _KINDS.values()]
