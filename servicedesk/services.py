"""Writes of the service desk: the desk console and the portal log incidents through the
incident services; every intake channel (these two, ``servicedesk.intake``) builds the
incident's contact with ``contact_for``."""

from incidents.choices import Source
from incidents.models import Incident
from incidents.services import Contact, contact_completed, incident_create


def contact_for(
    *, requester=None, name: str = "", phone: str = "", email: str = "", organisation: str = ""
) -> Contact:
    """The incident's contact: what the channel gave, completed from the requester's account
    as every incident's is (``incidents.services.contact_completed``)."""
    contact = Contact(name=name, phone=phone, email=email, organisation=organisation)
    return contact_completed(contact, requester)


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
) -> Incident:
    """Log an incident from the desk console (IM1) for a caller, with or without an account."""
    return incident_create(
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
) -> Incident:
    """Report a problem from the portal: logged from the web, the reporter is the requester."""
    return incident_create(
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
