"""The incident and its state graph (DESIGN §2.1), declared as django-fsm transitions; the
services in ``incidents/services/`` call them inside one transaction with the row locked.

Visibility is one queryset method, ``Incident.objects.visible_to(user)``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from incidents import rules
from incidents.choices import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    CloseMethod,
    EscalationLevel,
    Level,
    Nature,
    Priority,
    Source,
    Status,
    SupportLevel,
)
from incidents.models.configuration import Category, ResolutionCode, SuspendReason
from incidents.models.records import AssignmentSegment
from itsm.models import Department
from itsm.roles import INTERNAL_WORKING_ROLES, SEES_ALL_ROLES, Role, user_roles

User = settings.AUTH_USER_MODEL


class IncidentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The incidents the user may see — the one rule every page and endpoint uses.

        The desk, the incident manager, directors and administrators see everything; a
        technician or lead what their sections hold or held; a vendor engineer only what is
        assigned to the vendor's section now; a requester the incidents they requested; an
        external system what it raised (it owns or requested) and what its sections hold.
        """
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        roles = user_roles(user)
        if roles & SEES_ALL_ROLES or user.is_superuser:
            return self
        condition = Q(requester=user)
        section_ids = list(user.memberships.values_list("department_id", "role"))
        worker_sections = [d for d, r in section_ids if r in INTERNAL_WORKING_ROLES]
        vendor_sections = [d for d, r in section_ids if r == Role.VENDOR]
        if worker_sections:
            condition |= Q(department_id__in=worker_sections) | Q(
                pk__in=AssignmentSegment.objects.filter(department_id__in=worker_sections).values(
                    "incident_id"
                )
            )
        if vendor_sections:
            condition |= Q(department_id__in=vendor_sections, status__in=OPEN_STATUSES) | Q(
                department_id__in=vendor_sections, status=Status.RESOLVED
            )
        if Role.SYSTEM in roles:
            condition |= Q(owner=user) | Q(created_by=user)
        return self.filter(condition)


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
            # The desk console's "my open incidents": what an agent owns, by nearest deadline.
            models.Index(
                fields=["owner", "next_deadline_at", "id"],
                condition=Q(status__in=OPEN_STATUSES),
                name="inc_open_owner_deadline",
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
            # The all-incidents list sorted by the nearest deadline.
            models.Index(fields=["next_deadline_at", "id"], name="inc_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

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
