"""The state transitions of DESIGN §2.1 (assign, accept, return, suspend, resume, resolve,
reopen, close, cancel; escalation is in ``escalation``)."""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import events, notify, rules
from incidents.choices import (
    OPEN_STATUSES,
    AssignMode,
    CloseMethod,
    EventKind,
    SegmentEnd,
)
from incidents.models import (
    Category,
    Incident,
    ResolutionCode,
    SectionPolicy,
    SuspendReason,
)
from incidents.routing import desk_department
from incidents.selectors import segment_previous_section, segments_returned_from
from incidents.services.base import (
    clocks_moved,
    ensure_allowed,
    lock_incident,
    require,
    save_incident,
    support_level_for,
)
from incidents.services.segments import (
    segment_accepted,
    segment_assignee_set,
    segment_end,
    segment_reopened,
    segment_start,
)
from itsm.models import Department, DepartmentKind
from itsm.selectors import on_duty_member_ids
from itsm.text import sanitize
from sla import services as sla


def _pick_assignee(department: Department):
    """An on-duty member by the section's automatic mode, or None for manual sections."""
    policy = SectionPolicy.objects.select_for_update().filter(department=department).first()
    if policy is None or policy.assign_mode == AssignMode.MANUAL:
        return None
    member_ids = on_duty_member_ids(department)
    if not member_ids:
        return None
    if policy.assign_mode == AssignMode.ROUND_ROBIN:
        later = [
            pk for pk in member_ids if policy.last_assigned_id and pk > policy.last_assigned_id
        ]
        chosen = later[0] if later else member_ids[0]
    else:
        loads = dict(
            Incident.objects.filter(assignee_id__in=member_ids, status__in=OPEN_STATUSES)
            .values("assignee_id")
            .annotate(n=Count("id"))
            .values_list("assignee_id", "n")
        )
        chosen = min(member_ids, key=lambda pk: (loads.get(pk, 0), pk))
    policy.last_assigned_id = chosen
    policy.save(update_fields=["last_assigned"])
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(pk=chosen)


def incident_assign(
    *,
    incident,
    by,
    department: Department,
    assignee=None,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Dispatch (desk → section), hand over (section → section, with a reason), or assign
    inside the section. Automatic sections pick an on-duty member when none is named."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "assign", by)
        previous = incident.department
        changes_section, is_handover = _check_assignment(
            incident, department=department, assignee=assignee, reason=reason
        )
        if assignee is None and changes_section:
            assignee = _pick_assignee(department)
        from_status = incident.status
        incident.assign(
            department=department,
            assignee=assignee,
            support_level=support_level_for(department),
            at=at,
        )
        fields = {
            "status",
            "department",
            "assignee",
            "support_level",
            "assigned_at",
            "in_dispute",
            "accept_overdue_notified",
        }
        if is_handover:
            incident.handover_count += 1
            fields.add("handover_count")
        if changes_section:
            segment_end(incident, at, SegmentEnd.HANDED_OVER)
            segment_start(incident, at, reason)
        else:
            segment_assignee_set(incident)
        save_incident(incident, at, fields)
        told = notify.assigned(incident, reason=reason, by=by)
        events.transition(
            incident=incident,
            kind=EventKind.HANDED_OVER if is_handover else EventKind.ASSIGNED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=reason,
            data={
                "from_department": previous.code if previous else None,
                "department": department.code,
                "assignee": assignee.username if assignee else None,
            },
            notified=told,
        )
    return incident


def _check_assignment(incident: Incident, *, department, assignee, reason: str):
    """Refuse an assignment the rules forbid; returns whether it changes the section and
    whether that is a hand-over between sections (not a dispatch from the desk)."""
    if department is None or not department.active:
        raise ValidationError({"department": [_("Choose an active section.")]})
    if not rules.works_incidents(department):
        raise ValidationError(
            {
                "department": [
                    _("%(section)s is an administrative section: it does not work incidents.")
                    % {"section": department.name}
                ]
            }
        )
    if assignee is not None and not rules.works_in(assignee, department.pk):
        raise ValidationError(
            {"assignee": [_("The assignee must be a working member of that section.")]}
        )
    previous = incident.department
    changes_section = previous is None or previous.pk != department.pk
    from_desk = previous is not None and previous.kind == DepartmentKind.SERVICE_DESK
    is_handover = changes_section and not from_desk
    if is_handover and not reason:
        raise ValidationError({"reason": [_("A hand-over to another section needs a reason.")]})
    if incident.in_dispute and not reason:
        raise ValidationError({"reason": [_("Settling a dispute needs a reason.")]})
    return changes_section, is_handover


def incident_accept(*, incident, by, expected_version: int | None = None) -> Incident:
    """The assignee (or a member claiming it from the queue) takes the incident (IM3)."""
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "accept", by)
        from_status = incident.status
        first_response = incident.accepted_at is None
        incident.accept(by=by, at=at)
        fields = {"status", "assignee", "accepted_at"}
        segment_accepted(incident, by=by, at=at)
        if first_response:
            clocks_moved(incident, sla.clocks_response_met(incident=incident, at=at), fields)
        save_incident(incident, at, fields)
        told = notify.accepted(incident, by=by)
        events.transition(
            incident=incident,
            kind=EventKind.ACCEPTED,
            actor=by,
            at=at,
            from_status=from_status,
            data={"assignee": by.username, "department": incident.department.code},
            notified=told,
        )
    return incident


def incident_return(*, incident, by, reason: str, expected_version: int | None = None) -> Incident:
    """退回: the section gives the incident back to the section it came from, with a reason.
    After the bounce limit the incident goes to the incident manager, who decides."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "return", by)
        require({"reason": [_("Returning an incident needs a reason.")] if not reason else None})
        current = incident.department
        target = segment_previous_section(incident) or desk_department()
        dispute = incident.bounce_count + 1 >= settings.INCIDENT_BOUNCE_LIMIT
        from_status = incident.status
        incident.return_(department=target, at=at, dispute=dispute)
        segment_end(incident, at, SegmentEnd.RETURNED)
        segment_start(incident, at, reason)
        fields = {
            "status",
            "department",
            "assignee",
            "assigned_at",
            "bounce_count",
            "in_dispute",
            "accept_overdue_notified",
        }
        incident.support_level = support_level_for(target)
        fields.add("support_level")
        save_incident(incident, at, fields)
        told = notify.returned(incident, reason=reason, by=by)
        events.transition(
            incident=incident,
            kind=EventKind.RETURNED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=reason,
            data={"from_department": current.code, "department": target.code},
            notified=told,
        )
        if dispute:
            told = notify.dispute(incident, reason=reason)
            events.record(
                incident=incident,
                kind=EventKind.DISPUTE,
                actor=by,
                at=at,
                from_status=incident.status,
                reason=reason,
                data={
                    "bounce_count": incident.bounce_count,
                    "sections": segments_returned_from(incident),
                },
                notified=told,
            )
    return incident


def incident_suspend(
    *,
    incident,
    by,
    reason: SuspendReason | None,
    resume_at: datetime | None,
    note: str = "",
    expected_version: int | None = None,
) -> Incident:
    """挂起: only in progress, with a configured reason and an expected resume time within the
    reason's maximum — longer suspensions need the incident manager."""
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "suspend", by)
        errors = {}
        if reason is None or not reason.active:
            errors["reason"] = [_("Choose a suspend reason.")]
        if resume_at is None:
            errors["resume_at"] = [_("Give the expected resume time.")]
        elif timezone.is_naive(resume_at):
            errors["resume_at"] = [_("The resume time needs a time zone.")]
        elif resume_at <= at:
            errors["resume_at"] = [_("The resume time must be in the future.")]
        elif (
            reason is not None
            and sla.business_limit_exceeded(start=at, end=resume_at, limit=reason.max_duration)
            and not rules.is_incident_manager(by)
        ):
            errors["resume_at"] = [
                _("Suspensions longer than %(max)s for this reason need the incident manager.")
                % {"max": reason.max_duration}
            ]
        require(errors)
        from_status = incident.status
        incident.suspend(reason=reason, resume_at=resume_at, at=at)
        fields = {"status", "suspend_reason", "resume_at", "suspended_at", "resume_reminded"}
        if reason.stops_clock:
            clocks_moved(incident, sla.clocks_paused(incident=incident, at=at), fields)
        save_incident(incident, at, fields)
        told = notify.suspended(incident, reason_text=f"{reason.name} {note}".strip(), by=by)
        events.transition(
            incident=incident,
            kind=EventKind.SUSPENDED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=note.strip(),
            data={
                "suspend_reason": reason.code,
                "stops_clock": reason.stops_clock,
                "resume_at": resume_at.isoformat(),
                "beyond_maximum": sla.business_limit_exceeded(
                    start=at, end=resume_at, limit=reason.max_duration
                ),
            },
            notified=told,
        )
    return incident


def incident_resume(
    *, incident, by, note: str = "", expected_version: int | None = None
) -> Incident:
    """Resume a suspended incident (``by=None``: automatically at its resume time)."""
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "resume", by)
        from_status = incident.status
        stopped_clock = incident.suspend_reason is not None and incident.suspend_reason.stops_clock
        reason_code = incident.suspend_reason.code if incident.suspend_reason else None
        incident.resume()
        fields = {"status", "suspend_reason", "resume_at", "suspended_at", "resume_reminded"}
        if stopped_clock:
            clocks_moved(incident, sla.clocks_resumed(incident=incident, at=at), fields)
        save_incident(incident, at, fields)
        told = notify.resumed(incident, by=by)
        events.transition(
            incident=incident,
            kind=EventKind.RESUMED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=note.strip(),
            data={"automatic": by is None, "suspend_reason": reason_code},
            notified=told,
        )
    return incident


def incident_resolve(
    *,
    incident,
    by,
    code: ResolutionCode | None,
    resolution: str,
    knowledge_ref: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Resolve (IM4) with a resolution code and a description; from ``new`` this is the
    desk's resolution at first contact."""
    at = timezone.now()
    resolution = sanitize(resolution)
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "resolve", by)
        require(
            {
                "code": [_("Choose a resolution code.")]
                if code is None or not code.active
                else None,
                "resolution": [_("Describe the resolution.")] if not resolution else None,
            }
        )
        from_status = incident.status
        incident.resolve(
            by=by, code=code, resolution=resolution, knowledge_ref=knowledge_ref.strip(), at=at
        )
        segment_end(incident, at, SegmentEnd.RESOLVED)
        fields = {
            "status",
            "resolution_code",
            "resolution",
            "knowledge_ref",
            "resolved_by",
            "resolved_at",
            "first_contact_resolution",
            "assignee",
        }
        if incident.accepted_at is None:
            # Resolving without a separate acceptance answers the response target too.
            incident.accepted_at = at
            fields.add("accepted_at")
            sla.clocks_response_met(incident=incident, at=at)
        clocks_moved(incident, sla.clocks_resolution_stopped(incident=incident, at=at), fields)
        save_incident(incident, at, fields)
        told = notify.resolved(incident, by=by)
        events.transition(
            incident=incident,
            kind=EventKind.RESOLVED,
            actor=by,
            at=at,
            from_status=from_status,
            data={
                "resolution_code": code.code,
                "resolution": incident.resolution,
                "first_contact": incident.first_contact_resolution,
                "knowledge_ref": incident.knowledge_ref,
            },
            notified=told,
        )
    return incident


def incident_reopen(*, incident, by, reason: str, expected_version: int | None = None) -> Incident:
    """A rejected resolution: back in progress with the section that resolved it."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "reopen", by)
        require({"reason": [_("Say why the resolution is rejected.")] if not reason else None})
        from_status = incident.status
        incident.reopen()
        segment = segment_start(incident, at, reason)
        segment_reopened(segment, at)
        fields = {
            "status",
            "reopen_count",
            "resolved_at",
            "resolution_code",
            "resolution",
            "knowledge_ref",
            "resolved_by",
            "first_contact_resolution",
        }
        restarted = sla.clocks_resolution_restarted(incident=incident, at=at, segment=segment)
        clocks_moved(incident, restarted, fields)
        save_incident(incident, at, fields)
        told = notify.reopened(incident, reason=reason, by=by)
        events.transition(
            incident=incident,
            kind=EventKind.REOPENED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=reason,
            notified=told,
        )
    return incident


def incident_close(
    *,
    incident,
    by,
    method: str | None = None,
    closing_category: Category | None = None,
    satisfaction: int | None = None,
    satisfaction_comment: str = "",
    expected_version: int | None = None,
) -> Incident:
    """Close (IM5): the requester confirms, the desk closes after call-back, or the system
    closes it automatically (``by=None``). Records closing category and satisfaction."""
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "close", by)
        method, errors = _close_method(incident, by=by, method=method)
        if satisfaction is not None and satisfaction not in (1, 2, 3, 4, 5):
            errors["satisfaction"] = [_("Satisfaction is from 1 to 5.")]
        if closing_category is not None and not closing_category.active:
            errors["closing_category"] = [_("This category is not active.")]
        require(errors)
        from_status = incident.status
        incident.close(
            close_method=method,
            closing_category=closing_category,
            satisfaction=satisfaction,
            satisfaction_comment=sanitize(satisfaction_comment),
            at=at,
        )
        fields = {
            "status",
            "close_method",
            "closing_category",
            "satisfaction",
            "satisfaction_comment",
            "closed_at",
        }
        clocks_moved(incident, sla.clocks_ended(incident=incident, at=at), fields)
        save_incident(incident, at, fields)
        told = notify.closed(incident, by=by)
        events.transition(
            incident=incident,
            kind=EventKind.CLOSED,
            actor=by,
            at=at,
            from_status=from_status,
            data={
                "method": method,
                "closing_category": incident.closing_category.code
                if incident.closing_category
                else None,
                "satisfaction": satisfaction,
            },
            notified=told,
        )
    return incident


def _close_method(incident: Incident, *, by, method: str | None):
    """How the incident is closed (the default by who closes it) and the errors of a method
    the closer may not use: the requester confirms, the desk closes after a call-back, only
    the system closes automatically."""
    if by is None:
        return CloseMethod.AUTOMATIC, {}
    if method is None:
        method = CloseMethod.REQUESTER if rules.is_requester(incident, by) else CloseMethod.CALLBACK
    error = None
    if method not in CloseMethod.values:
        error = _("Unknown closing method.")
    elif method == CloseMethod.REQUESTER and not rules.is_requester(incident, by):
        error = _("Only the requester confirms a resolution.")
    elif method == CloseMethod.AUTOMATIC:
        error = _("Only the system closes automatically.")
    elif method == CloseMethod.CALLBACK and not (
        rules.is_owner(incident, by) or rules.is_desk(by) or rules.is_incident_manager(by)
    ):
        error = _("Only the desk closes after a call-back.")
    return method, ({"method": [error]} if error else {})


def incident_cancel(*, incident, by, reason: str, expected_version: int | None = None) -> Incident:
    """Cancel a new or assigned incident that needs no work (logged twice, withdrawn)."""
    at = timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock_incident(incident, expected_version=expected_version)
        ensure_allowed(incident, "cancel", by)
        require({"reason": [_("Say why the incident is cancelled.")] if not reason else None})
        from_status = incident.status
        incident.cancel(at=at)
        segment_end(incident, at, SegmentEnd.CANCELLED)
        fields = {"status", "cancelled_at"}
        clocks_moved(incident, sla.clocks_ended(incident=incident, at=at), fields)
        save_incident(incident, at, fields)
        events.transition(
            incident=incident,
            kind=EventKind.CANCELLED,
            actor=by,
            at=at,
            from_status=from_status,
            reason=reason,
        )
    return incident
