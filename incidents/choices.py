"""Choices of the incident: statuses, natures, sources, priorities and event kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUSPENDED = "suspended", _("Suspended")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.SUSPENDED)
FINAL_STATUSES = (Status.CLOSED, Status.CANCELLED)
# States in which a section holds the incident and works on it.
HELD_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.SUSPENDED)


class Nature(models.TextChoices):
    FAULT = "fault", _("Fault")
    REQUEST = "request", _("Request")
    INQUIRY = "inquiry", _("Inquiry")
    COMPLAINT = "complaint", _("Complaint")


class Source(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web portal")
    EMAIL = "email", _("Email")
    WALK_IN = "walk_in", _("Walk-in")
    MONITORING = "monitoring", _("Monitoring")
    API = "api", _("API")


# The channels through which a person reaches the desk: what the console logs a call as.
HUMAN_SOURCES = (Source.PHONE, Source.WALK_IN, Source.EMAIL, Source.WEB)


class Priority(models.TextChoices):
    P1 = "P1", _("P1 critical")
    P2 = "P2", _("P2 high")
    P3 = "P3", _("P3 medium")
    P4 = "P4", _("P4 low")


class Level(models.IntegerChoices):
    """Impact and urgency: 1 is the highest."""

    HIGH = 1, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 3, _("Low")


class SupportLevel(models.TextChoices):
    L1 = "L1", _("L1 service desk")
    L2 = "L2", _("L2 technical section")
    L3 = "L3", _("L3 vendor")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    SECTION_LEAD = 1, _("Section lead")
    INCIDENT_MANAGER = 2, _("Incident manager")
    DIRECTOR = 3, _("Director")


class CloseMethod(models.TextChoices):
    REQUESTER = "requester", _("Confirmed by the requester")
    CALLBACK = "callback", _("Closed by the desk after call-back")
    AUTOMATIC = "automatic", _("Closed automatically")


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    ASSIGNED = "assigned", _("Assigned")
    HANDED_OVER = "handed_over", _("Handed over")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")
    DISPUTE = "dispute", _("Dispute raised")
    SUSPENDED = "suspended", _("Suspended")
    RESUMED = "resumed", _("Resumed")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    UPDATED = "updated", _("Updated")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    MAJOR_DECLARED = "major_declared", _("Major incident declared")
    RETURNED_TO_LEAD = "returned_to_lead", _("Not accepted in time: back to the lead")
    COMMENTED = "commented", _("Commented")
    WORK_LOGGED = "work_logged", _("Work logged")
    ATTACHED = "attached", _("File attached")
    LINKED = "linked", _("Linked")
    RESUME_REMINDER = "resume_reminder", _("Resume reminder sent")
    SLA_CALENDAR_GAP = "sla_calendar_gap", _("SLA calendar has no data for a deadline")


class LinkKind(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", _("Duplicate of")
    SAME_OUTAGE = "same_outage", _("Caused by the same outage as")
    FOLLOWS = "follows", _("Follows up (reopened after closure)")
    RELATED = "related", _("Related to")


class AssignMode(models.TextChoices):
    MANUAL = "manual", _("The lead assigns or a technician claims")
    ROUND_ROBIN = "round_robin", _("Automatic: round robin among members on duty")
    LEAST_OPEN = "least_open", _("Automatic: the member on duty with the least open work")


class SegmentEnd(models.TextChoices):
    HANDED_OVER = "handed_over", _("Handed over")
    RETURNED = "returned", _("Returned")
    RESOLVED = "resolved", _("Resolved")
    CANCELLED = "cancelled", _("Cancelled")
