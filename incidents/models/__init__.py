"""The incidents app's data: configuration, the incident and its state graph, and what is
recorded about it. Split by capability; the names are re-exported here for
``from incidents.models import Incident`` (and the migrations' ``incidents.models.*``)."""

from incidents.models.configuration import (
    BilingualNameMixin,
    Category,
    DelayReason,
    IncidentCounter,
    PriorityMatrixEntry,
    ResolutionCode,
    RoutingRule,
    SectionPolicy,
    SuspendReason,
)
from incidents.models.incident import Incident, IncidentQuerySet
from incidents.models.records import (
    AppendOnlyError,
    AppendOnlyQuerySet,
    AssignmentSegment,
    Attachment,
    Comment,
    IncidentEvent,
    IncidentLink,
    WorkLog,
    attachment_path,
)
from incidents.models.views import SavedView

__all__ = [
    "AppendOnlyError",
    "AppendOnlyQuerySet",
    "AssignmentSegment",
    "Attachment",
    "BilingualNameMixin",
    "Category",
    "Comment",
    "DelayReason",
    "Incident",
    "IncidentCounter",
    "IncidentEvent",
    "IncidentLink",
    "IncidentQuerySet",
    "PriorityMatrixEntry",
    "ResolutionCode",
    "RoutingRule",
    "SavedView",
    "SectionPolicy",
    "SuspendReason",
    "WorkLog",
    "attachment_path",
]
