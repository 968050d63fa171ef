"""The incident, its configuration (categories, routing, priority matrix, codes) and history.

The state graph of DESIGN §2.1 is declared here as django-fsm transitions; the services in
``incidents/services/`` call them inside one transaction with the row locked.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from incidents import rules
from incidents.choices import (
    FINAL_STATUSES,
    HELD_STATUSES,
    OPEN_STATUSES,
    AssignMode,
    CloseMethod,
    EscalationLevel,
    EventKind,
    Level,
    LinkKind,
    Nature,
    Priority,
    SegmentEnd,
    Source,
    Status,
    SupportLevel,
)
from itsm.configcache import VersionedModel
from itsm.models import BilingualName, Department

User = settings.AUTH_USER_MODEL


class BilingualNameMixin(BilingualName, VersionedModel):
    """A code with a Chinese and an English name that can be retired (``active``).
    Configuration: writes invalidate the per-process caches (``itsm.configcache``)."""

    active = models.BooleanField(_("active"), default=True)

    class Meta:
        abstract = True


# --- configuration ------------------------------------------------------------------------


class Category(BilingualNameMixin):
    """A node of the category tree (网络/系统/桌面…), with the section that usually handles it."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    default_department = models.ForeignKey(
        Department,
        verbose_name=_("default section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "code"]

    def ancestors(self) -> list["Category"]:
        """This category and its parents, nearest first."""
        chain, node, seen = [], self, set()
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain

    def clean(self):
        if self.pk and self.parent_id and self.pk in {c.pk for c in self.parent.ancestors()}:
            raise ValidationError({"parent": _("A category cannot be its own ancestor.")})


class RoutingRule(VersionedModel):
    """Maps a category (and optionally a location and a configuration item) to a section."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="rules"
    )
    location = models.CharField(
        _("location / branch"), max_length=100, blank=True, help_text=_("Empty: any location.")
    )
    configuration_item = models.CharField(
        _("configuration item"), max_length=200, blank=True, help_text=_("Empty: any item.")
    )
    department = models.ForeignKey(
        Department, verbose_name=_("section"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["category__code", "location", "configuration_item"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "location", "configuration_item"],
                name="routingrule_unique_match",
            )
        ]

    def __str__(self) -> str:
        parts = [self.category.code, self.location or "*", self.configuration_item or "*"]
        return f"{' / '.join(parts)} → {self.department.code}"


class PriorityMatrixEntry(VersionedModel):
    """One cell of the impact × urgency → priority matrix."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)

    class Meta:
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")
        ordering = ["impact", "urgency"]
        constraints = [
            models.UniqueConstraint(fields=["impact", "urgency"], name="priority_matrix_unique")
        ]

    def __str__(self) -> str:
        return f"{self.impact}×{self.urgency} → {self.priority}"


class SuspendReason(BilingualNameMixin):
    """Why an incident may wait, whether that stops the SLA clock, and for how long at most."""

    stops_clock = models.BooleanField(
        _("stops the SLA clock"),
        default=True,
        help_text=_("On the requester's side (awaiting information…): yes; provider's side: no."),
    )
    max_duration = models.DurationField(
        _("maximum duration"),
        help_text=_("Longer suspensions need the incident manager."),
        default=timezone.timedelta(days=3),
    )
    awaits_requester = models.BooleanField(
        _("awaits the requester"),
        default=False,
        help_text=_("A public comment from the requester resumes the incident."),
    )

    class Meta:
        verbose_name = _("suspend reason")
        verbose_name_plural = _("suspend reasons")
        ordering = ["code"]


class ResolutionCode(BilingualNameMixin):
    """An incident closure code (事件结束代码)."""

    class Meta:
        verbose_name = _("resolution code")
        verbose_name_plural = _("resolution codes")
        ordering = ["code"]


class DelayReason(BilingualNameMixin):
    """Why a section overran its OLA; used in the delay-reason distribution."""

    class Meta:
        verbose_name = _("delay reason")
        verbose_name_plural = _("delay reasons")
        ordering = ["code"]


class SectionPolicy(models.Model):
    """How a section receives incidents: manual, round robin or least open work."""

    department = models.OneToOneField(
        Department,
        verbose_name=_("section"),
        on_delete=models.CASCADE,
        related_name="incident_policy",
    )
    assign_mode = models.CharField(
        _("assignment"), max_length=20, choices=AssignMode.choices, default=AssignMode.MANUAL
    )
    acceptance_time = models.DurationField(
        _("time to accept"),
        default=timezone.timedelta(minutes=30),
        help_text=_("Not accepted within this time: the incident goes back to the lead."),
    )
    last_assigned = models.ForeignKey(
        User,
        verbose_name=_("last assigned (round robin)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("section assignment policy")
        verbose_name_plural = _("section assignment policies")

    def __str__(self) -> str:
        return f"{self.department.code}: {self.get_assign_mode_display()}"


class IncidentCounter(models.Model):
    """Number source for databases without sequences (SQLite in the embedded mode)."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    value = models.BigIntegerField(_("last value"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


# --- the incident -------------------------------------------------------------------------


class IncidentQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def held(self):
        return self.filter(status__in=HELD_STATUSES)

    def visible_to(self, user):
        from incidents.selectors import incidents_visible_to

        return incidents_visible_to(user, self)


class Incident(models.Model):
    """An incident (事件单): any fault, request, inquiry or complaint the desk logs."""

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    nature = models.CharField(
        _("nature"), max_length=12, choices=Nature.choices, default=Nature.FAULT
    )
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    closing_category = models.ForeignKey(
        Category,
        verbose_name=_("closing category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    configuration_item = models.CharField(_("configuration item"), max_length=200, blank=True)
    location = models.CharField(_("location / branch"), max_length=100, blank=True)

    requester = models.ForeignKey(
        User,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requested_incidents",
        db_index=False,  # inc_requester_created (requester, created_at) serves it
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_organisation = models.CharField(_("organisation"), max_length=150, blank=True)

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Level.choices, default=3)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Level.choices, default=3)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    priority_overridden = models.BooleanField(_("priority overridden"), default=False)

    status = FSMField(
        _("status"), default=Status.NEW, choices=Status.choices, protected=True, max_length=12
    )
    owner = models.ForeignKey(
        User,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_incidents",
        db_index=False,  # inc_owner_status (owner, status) serves it
    )
    created_by = models.ForeignKey(
        User,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The person or system account that logged the incident."),
        db_index=False,  # inc_created_by (created_by, created_at) serves it
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("assignment group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    routed_department = models.ForeignKey(
        Department,
        verbose_name=_("routed section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The section the routing rules chose at logging."),
    )
    assignee = models.ForeignKey(
        User,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_incidents",
    )
    support_level = models.CharField(
        _("support level"), max_length=2, choices=SupportLevel.choices, default=SupportLevel.L1
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=0
    )
    is_major = models.BooleanField(_("major incident"), default=False)
    in_dispute = models.BooleanField(
        _("in dispute"),
        default=False,
        help_text=_("Bounced too often: the incident manager decides who owns it."),
    )

    suspend_reason = models.ForeignKey(
        SuspendReason,
        verbose_name=_("suspend reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    resume_at = models.DateTimeField(_("resume at"), null=True, blank=True)
    resume_reminded = models.BooleanField(_("resume reminder sent"), default=False)

    resolution_code = models.ForeignKey(
        ResolutionCode,
        verbose_name=_("resolution code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution = models.TextField(_("resolution"), blank=True)
    knowledge_ref = models.CharField(_("knowledge article"), max_length=100, blank=True)
    resolved_by = models.ForeignKey(
        User,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    first_contact_resolution = models.BooleanField(_("resolved at first contact"), default=False)
    close_method = models.CharField(
        _("closed by"), max_length=12, choices=CloseMethod.choices, blank=True
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    satisfaction_comment = models.TextField(_("satisfaction comment"), blank=True)

    handover_count = models.PositiveIntegerField(_("hand-overs"), default=0)
    bounce_count = models.PositiveIntegerField(_("bounces"), default=0)
    reopen_count = models.PositiveIntegerField(_("reopens"), default=0)

    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    assigned_at = models.DateTimeField(
        _("assigned to the current section at"), null=True, blank=True
    )
    next_deadline_at = models.DateTimeField(
        _("nearest deadline"),
        null=True,
        blank=True,
        help_text=_("The nearest running SLA deadline, kept for sorting queues."),
    )
    accept_overdue_notified = models.BooleanField(_("lead told it is not accepted"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=OPEN_STATUSES) | Q(department__isnull=False),
                name="incident_open_has_department",
                violation_error_message=_("An open incident must have an assignment group."),
            ),
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0) & Q(escalation_level__lte=3),
                name="incident_escalation_level_range",
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=3) & Q(urgency__gte=1, urgency__lte=3),
                name="incident_impact_urgency_range",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="incident_satisfaction_range",
            ),
        ]
        indexes = [
            # Section queues: open incidents of a section by nearest deadline.
            models.Index(
                fields=["department", "next_deadline_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="inc_open_dept_deadline",
            ),
            # A person's own open work.
            models.Index(
                fields=["assignee", "next_deadline_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="inc_open_assignee_deadline",
            ),
            # Requesters' portal and owners' follow-up lists.
            models.Index(fields=["requester", "-created_at"], name="inc_requester_created"),
            models.Index(fields=["owner", "status"], name="inc_owner_status"),
            models.Index(
                fields=["created_by", "-created_at"],
                condition=Q(created_by__isnull=False),
                name="inc_created_by",
            ),
            models.Index(fields=["status", "-created_at"], name="inc_status_created"),
            models.Index(fields=["-created_at", "-id"], name="inc_created"),
            # API pollers: changes since a point in time, in a stable order.
            models.Index(fields=["updated_at", "id"], name="inc_updated"),
            models.Index(
                fields=["resume_at"],
                condition=Q(status="suspended"),
                name="inc_suspended_resume_at",
            ),
            models.Index(
                fields=["resolved_at"], condition=Q(status="resolved"), name="inc_resolved_at"
            ),
            models.Index(
                fields=["assigned_at"],
                condition=Q(status="assigned", accept_overdue_notified=False),
                name="inc_unaccepted",
            ),
            models.Index(fields=["-created_at"], condition=Q(in_dispute=True), name="inc_dispute"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def etag(self) -> str:
        return f'"{self.number}-v{self.version}"'

    # --- transitions (DESIGN §2.1); bodies set fields of this row only ------------------

    @transition(
        field=status,
        source=[Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS],
        target=Status.ASSIGNED,
        permission=rules.can_assign,
    )
    def assign(self, *, department, assignee, support_level, at):
        """Dispatch, hand over to another section, or assign inside the section."""
        self.department = department
        self.assignee = assignee
        self.support_level = support_level
        self.assigned_at = at
        self.accept_overdue_notified = False
        self.in_dispute = False

    @transition(
        field=status,
        source=Status.ASSIGNED,
        target=Status.IN_PROGRESS,
        conditions=[rules.has_section, rules.not_in_dispute],
        permission=rules.can_accept,
    )
    def accept(self, *, by, at):
        """The assignee (or a member claiming it) starts work."""
        self.assignee = by
        if self.accepted_at is None:
            self.accepted_at = at

    @transition(
        field=status,
        source=[Status.ASSIGNED, Status.IN_PROGRESS],
        target=Status.ASSIGNED,
        conditions=[rules.not_in_dispute, rules.not_held_by_desk],
        permission=rules.can_return,
    )
    def return_(self, *, department, at, dispute: bool):
        """退回: the section gives the incident back to the one that handed it over."""
        self.department = department
        self.assignee = None
        self.assigned_at = at
        self.accept_overdue_notified = False
        self.bounce_count += 1
        self.in_dispute = dispute

    @transition(
        field=status,
        source=Status.IN_PROGRESS,
        target=Status.SUSPENDED,
        permission=rules.can_work,
    )
    def suspend(self, *, reason, resume_at, at):
        self.suspend_reason = reason
        self.resume_at = resume_at
        self.suspended_at = at
        self.resume_reminded = False

    @transition(
        field=status,
        source=Status.SUSPENDED,
        target=Status.IN_PROGRESS,
        permission=rules.can_resume,
    )
    def resume(self):
        self.suspend_reason = None
        self.resume_at = None
        self.suspended_at = None
        self.resume_reminded = False

    @transition(
        field=status,
        source=list(OPEN_STATUSES),
        target=None,
        conditions=[rules.below_top_level],
        permission=rules.can_escalate,
    )
    def escalate(self, *, level):
        """Hierarchical escalation: raises the level of attention, not the state."""
        self.escalation_level = level

    @transition(
        field=status,
        source=[Status.NEW, Status.IN_PROGRESS],
        target=Status.RESOLVED,
        permission=rules.can_resolve,
    )
    def resolve(self, *, by, code, resolution, knowledge_ref, at):
        self.first_contact_resolution = self.status == Status.NEW and self.handover_count == 0
        self.resolution_code = code
        self.resolution = resolution
        self.knowledge_ref = knowledge_ref
        self.resolved_by = by
        self.resolved_at = at
        if self.assignee_id is None and by is not None:
            self.assignee = by

    @transition(
        field=status,
        source=Status.RESOLVED,
        target=Status.IN_PROGRESS,
        conditions=[rules.within_reopen_window],
        permission=rules.can_reopen,
    )
    def reopen(self):
        self.reopen_count += 1
        self.resolved_at = None
        self.resolution_code = None
        self.resolution = ""
        self.knowledge_ref = ""
        self.resolved_by = None
        self.first_contact_resolution = False

    @transition(
        field=status,
        source=Status.RESOLVED,
        target=Status.CLOSED,
        permission=rules.can_close,
    )
    def close(self, *, close_method, closing_category, satisfaction, satisfaction_comment, at):
        self.close_method = close_method
        self.closing_category = closing_category or self.category
        self.satisfaction = satisfaction
        self.satisfaction_comment = satisfaction_comment
        self.closed_at = at

    @transition(
        field=status,
        source=[Status.NEW, Status.ASSIGNED],
        target=Status.CANCELLED,
        permission=rules.can_cancel,
    )
    def cancel(self, *, at):
        self.cancelled_at = at


# --- history and work -------------------------------------------------------------------


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an append-only history row."""


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk updates and deletes are refused too: history is never rewritten."""

    def update(self, **kwargs):
        raise AppendOnlyError("incident events are append-only")

    def delete(self):
        raise AppendOnlyError("incident events are append-only")


class IncidentEvent(models.Model):
    """One entry of an incident's append-only history: who did what, when, and why."""

    incident = models.ForeignKey(
        Incident,
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,  # incevent_incident_at (incident, at, id) serves it
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty for the system's own actions."),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=12, blank=True)
    to_status = models.CharField(_("to"), max_length=12, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    notified = models.JSONField(_("notified"), default=list, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at", "id"], name="incevent_incident_at")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("incident events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("incident events are append-only")


class AssignmentSegment(models.Model):
    """A stretch of time an incident spends with one section (for OLA and time shares)."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="segments"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("section"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # segment_dept_start (department, started_at) serves it
    )
    assignee = models.ForeignKey(
        User,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("end"), max_length=12, choices=SegmentEnd.choices, blank=True)
    handover_reason = models.TextField(_("reason it came here"), blank=True)
    ola_accept_due_at = models.DateTimeField(_("OLA: accept by"), null=True, blank=True)
    ola_resolve_due_at = models.DateTimeField(
        _("OLA: resolve or hand on by"), null=True, blank=True
    )
    ola_met = models.BooleanField(_("OLA met"), null=True, blank=True)
    delay_reason = models.ForeignKey(
        DelayReason,
        verbose_name=_("delay reason"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delay_note = models.TextField(_("delay note"), blank=True)

    class Meta:
        verbose_name = _("assignment segment")
        verbose_name_plural = _("assignment segments")
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident"],
                condition=Q(ended_at__isnull=True),
                name="segment_one_open_per_incident",
            )
        ]
        indexes = [models.Index(fields=["department", "started_at"], name="segment_dept_start")]

    def __str__(self) -> str:
        return f"{self.incident_id} @ {self.department_id} from {self.started_at:%Y-%m-%d %H:%M}"


class Comment(models.Model):
    """A comment on an incident: public (the requester sees it) or internal."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField(_("comment"))
    is_public = models.BooleanField(_("public"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["incident", "created_at"], name="comment_incident")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.author_id} {self.created_at:%Y-%m-%d %H:%M}"


class WorkLog(models.Model):
    """Time a person spent on an incident."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="worklogs"
    )
    author = models.ForeignKey(
        User, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    minutes = models.PositiveIntegerField(_("minutes"))
    note = models.TextField(_("note"), blank=True)
    logged_at = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        verbose_name = _("work log")
        verbose_name_plural = _("work logs")
        ordering = ["logged_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=24 * 60), name="worklog_minutes_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.author_id} {self.minutes} min"


def attachment_path(instance, filename):
    # Random names: the original name is kept in the row, never used on disk.
    import uuid

    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to an incident (size- and type-limited, served only to viewers)."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    is_public = models.BooleanField(_("public"), default=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class IncidentLink(models.Model):
    """A link between two incidents (duplicate of, same outage, follow-up)."""

    from_incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), on_delete=models.CASCADE, related_name="links_out"
    )
    to_incident = models.ForeignKey(
        Incident,
        verbose_name=_("linked incident"),
        on_delete=models.CASCADE,
        related_name="links_in",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices)
    created_by = models.ForeignKey(
        User, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("incident link")
        verbose_name_plural = _("incident links")
        constraints = [
            models.UniqueConstraint(
                fields=["from_incident", "to_incident", "kind"], name="link_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_incident=models.F("to_incident")), name="link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_incident_id} {self.kind} {self.to_incident_id}"
