"""What the Celery tasks run: auto-resume, resume reminders, auto-close, unaccepted incidents
back to the lead, and the sweep of orphaned attachment files."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import events, notify
from incidents.choices import (
    EventKind,
    Status,
)
from incidents.exceptions import TransitionNotAllowed
from incidents.models import (
    Attachment,
    Incident,
)
from incidents.services.base import lock_incident, save_incident
from incidents.services.segments import segment_assignee_set
from incidents.services.transitions import incident_close, incident_resume
from sla import services as sla

logger = logging.getLogger(__name__)


def _due_ids(qs, batch: int) -> list[int]:
    return list(qs.order_by("id").values_list("id", flat=True)[:batch])


def incidents_auto_resume(*, now: datetime | None = None, batch: int = 200) -> int:
    """Resume suspended incidents whose resume time has come; returns how many."""
    now = now or timezone.now()
    done = 0
    ids = _due_ids(Incident.objects.filter(status=Status.SUSPENDED, resume_at__lte=now), batch)
    for pk in ids:
        try:
            incident_resume(incident=pk, by=None, note=_("Resumed at the expected time."))
            done += 1
        except (TransitionNotAllowed, Incident.DoesNotExist):
            continue  # someone resumed or changed it meanwhile
    return done


def incidents_resume_reminders(*, now: datetime | None = None, batch: int = 200) -> int:
    """Remind owners shortly before an incident resumes by itself; once per suspension."""
    now = now or timezone.now()
    horizon = now + timedelta(minutes=settings.INCIDENT_RESUME_REMINDER_MINUTES)
    done = 0
    ids = _due_ids(
        Incident.objects.filter(
            status=Status.SUSPENDED, resume_reminded=False, resume_at__lte=horizon
        ),
        batch,
    )
    for pk in ids:
        with transaction.atomic():
            updated = Incident.objects.filter(
                pk=pk, status=Status.SUSPENDED, resume_reminded=False
            ).update(resume_reminded=True)
            if not updated:
                continue
            incident = Incident.objects.select_related("owner", "assignee").get(pk=pk)
            told = notify.resume_reminder(incident)
            events.record(
                incident=incident,
                kind=EventKind.RESUME_REMINDER,
                actor=None,
                at=now,
                from_status=incident.status,
                notified=told,
            )
            done += 1
    return done


def auto_close_cutoff(now: datetime) -> datetime:
    """Resolved before this instant and unanswered: closes automatically. Counts business
    days on the SLA standard calendar (plain days when none is configured)."""
    return sla.business_days_before(at=now, days=settings.INCIDENT_AUTO_CLOSE_DAYS)


def incidents_auto_close(*, now: datetime | None = None, batch: int = 200) -> int:
    """Close resolved incidents nobody answered within the auto-close period."""
    now = now or timezone.now()
    ids = _due_ids(
        Incident.objects.filter(status=Status.RESOLVED, resolved_at__lte=auto_close_cutoff(now)),
        batch,
    )
    done = 0
    for pk in ids:
        try:
            incident_close(incident=pk, by=None)
            done += 1
        except (TransitionNotAllowed, Incident.DoesNotExist):
            continue
    return done


def incidents_unaccepted_to_lead(*, now: datetime | None = None, batch: int = 200) -> int:
    """Incidents a section has not accepted within its acceptance time go back to its lead:
    the assignee (if any) is cleared and the lead is told; once per assignment."""
    now = now or timezone.now()
    candidates = (
        Incident.objects.filter(status=Status.ASSIGNED, accept_overdue_notified=False)
        .filter(Q(assigned_at__lte=now - timedelta(minutes=1)))
        .select_related("department__incident_policy")
        .order_by("assigned_at")[: batch * 5]
    )
    done = 0
    for candidate in candidates:
        policy = getattr(candidate.department, "incident_policy", None)
        limit = policy.acceptance_time if policy else timedelta(minutes=30)
        if candidate.assigned_at > now - limit:
            continue
        with transaction.atomic():
            incident = lock_incident(candidate.pk)
            if incident.status != Status.ASSIGNED or incident.accept_overdue_notified:
                continue
            previous = incident.assignee
            incident.assignee = None
            incident.accept_overdue_notified = True
            save_incident(incident, now, {"assignee", "accept_overdue_notified"})
            segment_assignee_set(incident)
            told = notify.not_accepted(incident)
            events.record(
                incident=incident,
                kind=EventKind.RETURNED_TO_LEAD,
                actor=None,
                at=now,
                from_status=incident.status,
                data={
                    "assignee": previous.username if previous else None,
                    "department": incident.department.code,
                },
                notified=told,
            )
            done += 1
        if done >= batch:
            break
    return done


ATTACHMENT_DIR = "attachments"


def attachment_orphans_remove(*, now: datetime | None = None) -> int:
    """Delete attachment files that no attachment row names and that are older than
    ``ATTACHMENT_ORPHAN_GRACE_HOURS``; returns how many.

    A file is written before its row commits: when the transaction then rolls back (an
    error later in the action, a refused request, a crash) the file stays behind. The grace
    period leaves alone files whose upload may still be in flight."""
    storage = Attachment._meta.get_field("file").storage
    cutoff = (now or timezone.now()) - timedelta(hours=settings.ATTACHMENT_ORPHAN_GRACE_HOURS)
    removed = 0
    pending = [ATTACHMENT_DIR]
    while pending:
        folder = pending.pop()
        try:
            folders, files = storage.listdir(folder)
        except FileNotFoundError:
            continue
        pending.extend(f"{folder}/{name}" for name in folders)
        old = [
            path
            for path in (f"{folder}/{name}" for name in files)
            if storage.get_modified_time(path) < cutoff
        ]
        if not old:
            continue
        kept = set(Attachment.objects.filter(file__in=old).values_list("file", flat=True))
        for path in old:
            if path not in kept:
                storage.delete(path)
                removed += 1
    if removed:
        logger.info("Removed %s attachment files no attachment refers to", removed)
    return removed
