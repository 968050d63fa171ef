"""Writes of the service desk: the desk console and the portal log incidents through the
incident services; every intake channel (these two, ``servicedesk.intake``) builds the
incident's contact with ``contact_for``.

A call or report that repeats one already open is not logged again blindly: the desk keeps it
as a duplicate (``desk_call_log_duplicate``) or adds it to the open incident
(``desk_call_add_to``, ``portal_report_add_to``). Each entry point is one transaction: a
refusal anywhere writes nothing."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents import rules
from incidents.choices import FINAL_STATUSES, HUMAN_SOURCES, LinkKind, Source
from incidents.exceptions import ActionForbidden
from incidents.models import Comment, Incident
from incidents.services import (
    Contact,
    attachment_add,
    comment_add,
    contact_completed,
    incident_cancel,
    incident_close,
    incident_create,
    incident_resolve,
    link_add,
)


def contact_for(
    *, requester=None, name: str = "", phone: str = "", email: str = "", organisation: str = ""
) -> Contact:
    """The incident's contact: what the channel gave, completed from the requester's account
    as every incident's is (``incidents.services.contact_completed``)."""
    contact = Contact(name=name, phone=phone, email=email, organisation=organisation)
    return contact_completed(contact, requester)


@contextmanager
def _fields_renamed(names: dict[str, str]):
    """Let a service's field errors through under the names the intake form gives them."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {names.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from exc


def desk_incident_log(
    *,
    by,
    title: str,
    description: str,
    nature: str,
    source: str,
    category,
    impact: int,
    urgency: int,
    requester,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    contact_organisation: str,
    configuration_item: str,
    location: str,
    resolved_now: bool = False,
    resolution_code=None,
    resolution: str = "",
    knowledge_ref: str = "",
    close_now: bool = False,
) -> Incident:
    """Log an incident from the desk console (IM1) for a caller, with or without an account.

    ``resolved_now`` is the first-contact resolution: the call is logged and resolved with
    the resolution code (and knowledge article), and closed when the caller agrees
    (``close_now``), in one transaction. Who may resolve and close, and with which closing
    method, stays with ``incident_resolve`` and ``incident_close``."""
    if source not in HUMAN_SOURCES:
        raise ValidationError(
            {"source": [_("A call is logged as phone, walk-in, e-mail or web portal.")]}
        )
    if close_now and not resolved_now:
        raise ValidationError(
            {"close_now": [_("Only an incident resolved at first contact can be closed now.")]}
        )
    with transaction.atomic():
        incident = incident_create(
            by=by,
            title=title,
            description=description,
            nature=nature,
            source=source,
            category=category,
            impact=impact,
            urgency=urgency,
            requester=requester,
            contact=contact_for(
                requester=requester,
                name=contact_name,
                phone=contact_phone,
                email=contact_email,
                organisation=contact_organisation,
            ),
            configuration_item=configuration_item,
            location=location,
        )
        if resolved_now:
            with _fields_renamed({"code": "resolution_code"}):
                incident = incident_resolve(
                    incident=incident,
                    by=by,
                    code=resolution_code,
                    resolution=resolution,
                    knowledge_ref=knowledge_ref,
                )
            if close_now:
                with _fields_renamed({"method": "close_now"}):
                    incident = incident_close(incident=incident, by=by)
    return incident


def _require_open(original: Incident) -> None:
    if original.status in FINAL_STATUSES:
        raise ValidationError(
            _("%(number)s is closed or cancelled; log the call as a new incident.")
            % {"number": original.number}
        )


def desk_call_log_duplicate(*, by, duplicate_of: Incident, **call) -> Incident:
    """A second call about an incident already open: the call is kept as its own incident
    (who called, when, through which channel), linked as a duplicate of the open one and
    cancelled as logged twice. ``call`` is what ``desk_incident_log`` takes, without the
    first-contact resolution."""
    _require_open(duplicate_of)
    with transaction.atomic():
        incident = desk_incident_log(by=by, **call)
        link_add(incident=incident, by=by, other=duplicate_of, kind=LinkKind.DUPLICATE_OF)
        return incident_cancel(
            incident=incident,
            by=by,
            reason=_("Duplicate of %(number)s: the same problem, reported again.")
            % {"number": duplicate_of.number},
        )


def _call_note(*, source_label: str, caller: str, title: str, description: str) -> str:
    heading = _("Another contact (%(source)s) from %(caller)s: %(title)s") % {
        "source": source_label,
        "caller": caller or _("an unknown caller"),
        "title": title,
    }
    return f"{heading}\n{description}".strip()


def desk_call_add_to(
    *,
    by,
    incident: Incident,
    title: str,
    description: str,
    source: str,
    requester,
    contact_name: str,
    contact_phone: str,
) -> Comment:
    """A call about an incident already open, added to it as an internal note (who called,
    what they said) instead of a new incident."""
    contact = contact_for(requester=requester, name=contact_name, phone=contact_phone)
    caller = " ".join(part for part in (contact.name, contact.phone) if part)
    body = _call_note(
        source_label=str(Source(source).label),
        caller=caller,
        title=title,
        description=description,
    )
    return comment_add(incident=incident, by=by, body=body, is_public=False)


def portal_incident_report(
    *,
    by,
    title: str,
    description: str,
    nature: str,
    category,
    impact: int,
    urgency: int,
    contact_phone: str,
    file=None,
) -> Incident:
    """Report a problem from the portal: logged from the web, the reporter is the requester;
    the file, if any, attached with the attachments' limits (all or nothing)."""
    with transaction.atomic():
        incident = incident_create(
            by=by,
            title=title,
            description=description,
            nature=nature,
            source=Source.WEB,
            category=category,
            impact=impact,
            urgency=urgency,
            requester=by,
            contact=contact_for(requester=by, phone=contact_phone),
        )
        if file is not None:
            attachment_add(incident=incident, by=by, uploaded_file=file)
    return incident


def portal_report_add_to(
    *, by, incident: Incident, title: str, description: str, file=None
) -> Comment:
    """The requester's report added to their own open incident, as their comment (and file),
    instead of a second report of the same problem."""
    if not rules.is_requester(incident, by):
        raise ActionForbidden(_("You may add to your own requests only."))
    _require_open(incident)
    body = f"{title}\n{description}".strip()
    with transaction.atomic():
        comment = comment_add(incident=incident, by=by, body=body, is_public=True)
        if file is not None:
            attachment_add(incident=incident, by=by, uploaded_file=file)
    return comment
