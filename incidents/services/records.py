"""Comments, work logs, attachments and links of an incident."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents import events, notify, rules
from incidents.choices import (
    EventKind,
    LinkKind,
    Status,
)
from incidents.exceptions import ActionForbidden
from incidents.models import (
    Attachment,
    Comment,
    Incident,
    IncidentLink,
    WorkLog,
)
from incidents.services.base import ensure_writable, lock_incident, require
from incidents.services.transitions import incident_resume
from itsm.text import sanitize


def comment_add(*, incident, by, body: str, is_public: bool = False) -> Comment:
    """Add a comment. Anyone who may see the incident may comment; requesters' comments are
    always public, and only ``rules.may_comment_publicly`` people may write a public one
    (others, such as a section that handed the incident on, add internal notes). A
    requester's comment on an incident suspended awaiting them resumes it."""
    from incidents.selectors import incidents_visible_to

    body = sanitize(body)
    require({"body": [_("The comment is empty.")] if not body else None})
    at = timezone.now()
    resume = False
    with transaction.atomic():
        incident = lock_incident(incident)
        ensure_writable(incident, "comment")
        if not incidents_visible_to(by, Incident.objects.filter(pk=incident.pk)).exists():
            raise ActionForbidden(_("You may not comment on this incident."))
        is_requester = rules.is_requester(incident, by)
        if rules.comments_always_public(incident, by):
            is_public = True
        elif is_public and not rules.may_comment_publicly(incident, by):
            raise ValidationError(
                {
                    "is_public": [
                        _(
                            "Only the requester and those working on the incident now may "
                            "write to the requester; your comment can be internal only."
                        )
                    ]
                }
            )
        comment = Comment.objects.create(
            incident=incident, author=by, body=body, is_public=is_public, created_at=at
        )
        told = notify.commented(incident, author=by, public=is_public)
        events.record(
            incident=incident,
            kind=EventKind.COMMENTED,
            actor=by,
            at=at,
            from_status=incident.status,
            data={"comment": comment.pk, "public": is_public},
            notified=told,
        )
        resume = (
            is_requester
            and is_public
            and incident.status == Status.SUSPENDED
            and incident.suspend_reason is not None
            and incident.suspend_reason.awaits_requester
        )
    if resume:
        incident_resume(incident=incident, by=None, note=_("The requester answered."))
    return comment


def worklog_add(*, incident, by, minutes: int, note: str = "") -> WorkLog:
    """Record time spent on the incident (by someone working on it)."""
    require(
        {
            "minutes": [_("Between 1 and 1440 minutes.")]
            if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60
            else None
        }
    )
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident)
        ensure_writable(incident, "worklog")
        if not rules.may_edit(incident, by):
            raise ActionForbidden(_("You may not log work on this incident."))
        log = WorkLog.objects.create(
            incident=incident, author=by, minutes=minutes, note=sanitize(note), logged_at=at
        )
        events.record(
            incident=incident,
            kind=EventKind.WORK_LOGGED,
            actor=by,
            at=at,
            from_status=incident.status,
            data={"minutes": minutes},
        )
    return log


def attachment_add(*, incident, by, uploaded_file, is_public: bool | None = None) -> Attachment:
    """Attach a file within the size and content-type limits of the settings. Who may make
    it public follows the comments' rule (``rules.may_comment_publicly``); ``is_public=None``
    is the caller's default: public for those, internal for the others (a section that
    handed the incident on), and always public for the requester."""
    from incidents.selectors import incidents_visible_to

    size = getattr(uploaded_file, "size", 0) or 0
    content_type = (getattr(uploaded_file, "content_type", "") or "").split(";")[0].strip()
    name = (getattr(uploaded_file, "name", "") or "file").rsplit("/", 1)[-1][:200]
    errors = {}
    if size <= 0:
        errors["file"] = [_("The file is empty.")]
    elif size > settings.ATTACHMENT_MAX_BYTES:
        errors["file"] = [
            _("The file is larger than %(max)s MB.")
            % {"max": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        ]
    elif content_type not in settings.ATTACHMENT_CONTENT_TYPES:
        errors["file"] = [_("Files of type %(type)s are not accepted.") % {"type": content_type}]
    require(errors)
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident)
        ensure_writable(incident, "attach")
        if not incidents_visible_to(by, Incident.objects.filter(pk=incident.pk)).exists():
            raise ActionForbidden(_("You may not attach files to this incident."))
        if rules.comments_always_public(incident, by):
            is_public = True
        elif is_public is None:
            is_public = rules.may_comment_publicly(incident, by)
        elif is_public and not rules.may_comment_publicly(incident, by):
            raise ValidationError(
                {
                    "is_public": [
                        _(
                            "Only the requester and those working on the incident now may "
                            "show files to the requester; your file can be internal only."
                        )
                    ]
                }
            )
        attachment = Attachment(
            incident=incident,
            original_name=name,
            content_type=content_type,
            size=size,
            is_public=is_public,
            uploaded_by=by,
            created_at=at,
        )
        attachment.file.save(name, uploaded_file, save=False)
        attachment.save()
        events.record(
            incident=incident,
            kind=EventKind.ATTACHED,
            actor=by,
            at=at,
            from_status=incident.status,
            data={"attachment": attachment.pk, "name": name, "size": size},
        )
    return attachment


def link_add(*, incident, by, other, kind: str) -> IncidentLink:
    """Link two incidents (duplicate of, same outage, follow-up of a closed one)."""
    require({"kind": [_("Unknown link kind.")] if kind not in LinkKind.values else None})
    at = timezone.now()
    with transaction.atomic():
        incident = lock_incident(incident)
        if other is None or other.pk == incident.pk:
            raise ValidationError({"other": [_("Choose another incident.")]})
        if kind != LinkKind.FOLLOWS:
            ensure_writable(incident, "link")
        if not rules.may_edit(incident, by):
            raise ActionForbidden(_("You may not link this incident."))
        link, created = IncidentLink.objects.get_or_create(
            from_incident=incident,
            to_incident=other,
            kind=kind,
            defaults={"created_by": by, "created_at": at},
        )
        if created:
            events.record(
                incident=incident,
                kind=EventKind.LINKED,
                actor=by,
                at=at,
                from_status=incident.status,
                data={"kind": kind, "to": other.number},
            )
    return link
