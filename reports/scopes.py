"""Who sees which KPIs (issue 11): directors and the incident manager everything; the desk
manager the overview and the desk view; a section lead (a vendor's lead too) their sections;
a technician their own workload; nobody else. The pages and the API apply the same scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from itsm.roles import (
    REPORT_ALL_ROLES,
    REPORT_DESK_ROLES,
    REPORT_OWN_ROLES,
    REPORT_SECTION_ROLES,
    Role,
    user_roles,
)

ALL_VIEWS = frozenset({"overview", "section", "desk", "workload"})


@dataclass(frozen=True)
class ReportScope:
    """What a user may see of the reports: every incident (``everything``), the incidents
    and segments of some sections, or their own workload only; and which report pages."""

    everything: bool
    department_ids: frozenset[int]
    own_user_id: int | None
    views: frozenset[str]

    @property
    def own_only(self) -> bool:
        return not self.everything and not self.department_ids and self.own_user_id is not None


def report_scope(user) -> ReportScope:
    """The user's scope; ``PermissionDenied`` (saying who may read reports) for anyone else."""
    roles = user_roles(user) if user is not None and user.is_active else frozenset()
    if roles & REPORT_ALL_ROLES:
        return ReportScope(True, frozenset(), None, ALL_VIEWS)
    if roles & REPORT_DESK_ROLES:
        return ReportScope(True, frozenset(), None, frozenset({"overview", "desk"}))
    if roles & REPORT_SECTION_ROLES:
        led = frozenset(
            user.memberships.filter(role=Role.SECTION_LEAD).values_list("department_id", flat=True)
        )
        if led:
            return ReportScope(False, led, None, frozenset({"section", "workload"}))
    if roles & REPORT_OWN_ROLES:
        return ReportScope(False, frozenset(), user.pk, frozenset({"workload"}))
    raise PermissionDenied(
        _(
            "Reports are for directors, the incident manager, the service-desk manager and "
            "section leads; technicians see their own workload. Your role has no reports."
        )
    )
