"""Every write on incidents. Each entry point runs in one transaction with the row locked:
check, transition, save, history event, segments, SLA clocks and notifications together.

The package is split by capability (docs/architecture.md); this module re-exports the entry
points, so callers write ``from incidents import services`` and ``services.incident_assign``.
"""

from incidents.services.automation import (
    attachment_orphans_remove,
    auto_close_cutoff,
    incidents_auto_close,
    incidents_auto_resume,
    incidents_resume_reminders,
    incidents_unaccepted_to_lead,
)
from incidents.services.base import ACTIONS, METHOD_TO_ACTION, available_actions
from incidents.services.bulk import BULK_ACTIONS, BulkOutcome, incidents_bulk_act
from incidents.services.codes import resolution_code_ensure
from incidents.services.dispatch import incident_act
from incidents.services.edits import (
    EDITABLE_FIELDS,
    incident_clocks_replan,
    incident_override_priority,
    incident_update,
)
from incidents.services.escalation import (
    incident_escalate,
    incident_thresholds_crossed,
    incidents_lock_for_thresholds,
)
from incidents.services.intake import (
    Contact,
    contact_completed,
    incident_create,
    incident_follow_up,
)
from incidents.services.records import attachment_add, comment_add, link_add, worklog_add
from incidents.services.saved_views import saved_view_delete, saved_view_save
from incidents.services.transitions import (
    incident_accept,
    incident_assign,
    incident_cancel,
    incident_close,
    incident_reopen,
    incident_resolve,
    incident_resume,
    incident_return,
    incident_suspend,
)

__all__ = [
    "ACTIONS",
    "BULK_ACTIONS",
    "BulkOutcome",
    "EDITABLE_FIELDS",
    "METHOD_TO_ACTION",
    "Contact",
    "attachment_add",
    "attachment_orphans_remove",
    "auto_close_cutoff",
    "available_actions",
    "comment_add",
    "saved_view_delete",
    "saved_view_save",
    "contact_completed",
    "incident_accept",
    "incidents_bulk_act",
    "incident_act",
    "incident_assign",
    "incident_cancel",
    "incident_clocks_replan",
    "incident_close",
    "incident_create",
    "incident_escalate",
    "incident_follow_up",
    "incident_override_priority",
    "incident_reopen",
    "incident_resolve",
    "incident_resume",
    "incident_return",
    "incident_suspend",
    "incident_thresholds_crossed",
    "incidents_lock_for_thresholds",
    "incident_update",
    "incidents_auto_close",
    "incidents_auto_resume",
    "incidents_resume_reminders",
    "incidents_unaccepted_to_lead",
    "link_add",
    "resolution_code_ensure",
    "worklog_add",
]
