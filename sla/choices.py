"""Choices of the SLA app: clock targets and states, calendar day kinds, weekdays, and the
incident attributes a policy matches on (kept here because ``sla`` never imports
``incidents``; the values mirror ``incidents.choices``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (no work)")
    WORKDAY = "workday", _("Adjusted working day (调休)")


class Target(models.TextChoices):
    """What a clock measures."""

    RESPONSE = "response", pgettext_lazy("SLA target", "Response")
    RESOLUTION = "resolution", pgettext_lazy("SLA target", "Resolution")
    UPDATE = "update", _("Major-incident update")
    OLA_ACCEPT = "ola_accept", _("OLA: accept")
    OLA_RESOLVE = "ola_resolve", _("OLA: resolve or hand on")


SLA_TARGETS = (Target.RESPONSE, Target.RESOLUTION, Target.UPDATE)
OLA_TARGETS = (Target.OLA_ACCEPT, Target.OLA_RESOLVE)


class ThresholdTarget(models.TextChoices):
    """The targets a policy's warning thresholds apply to."""

    RESPONSE = "response", pgettext_lazy("SLA target", "Response")
    RESOLUTION = "resolution", pgettext_lazy("SLA target", "Resolution")


class State(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    MET = "met", _("Met")
    BREACHED = "breached", _("Breached")
    CANCELLED = "cancelled", _("Cancelled")


# A breached clock that has not stopped still counts (its later thresholds, e.g. 150 %, fire).
COUNTING_STATES = (State.RUNNING, State.BREACHED)


class Priority(models.TextChoices):
    P1 = "P1", _("P1 critical")
    P2 = "P2", _("P2 high")
    P3 = "P3", _("P3 medium")
    P4 = "P4", _("P4 low")


class Nature(models.TextChoices):
    FAULT = "fault", _("Fault")
    REQUEST = "request", _("Request")
    INQUIRY = "inquiry", _("Inquiry")
    COMPLAINT = "complaint", _("Complaint")


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("No escalation")
    SECTION_LEAD = 1, _("Section lead")
    INCIDENT_MANAGER = 2, _("Incident manager")
    DIRECTOR = 3, _("Director")
