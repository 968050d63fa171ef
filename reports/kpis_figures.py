"""The figures of each KPI, computed in the database from the rows ``reports/kpis_queries.py``
selects; the definitions they follow are in ``reports/kpis.py`` and docs/kpis.md."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, F, FilteredRelation, Q, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.choices import Nature, Priority, Source, Status
from incidents.models import DelayReason
from incidents.selectors import categories_by_id
from itsm.selectors import departments_by_id
from reports import kpis_queries as rows
from reports.kpis_sql import Seconds, counted, duration_stats, rate, wall
from sla.choices import State, Target

AGEING = (
    ("lt1", 0, 1),
    ("1-3", 1, 3),
    ("3-7", 3, 7),
    ("7-30", 7, 30),
    ("gt30", 30, None),
)
DAY = 86400


def department_entry(department_id) -> dict:
    department = departments_by_id().get(department_id)
    return {
        "department": department.code if department else None,
        "department_name": department.name if department else _("No section"),
    }


def _grouped(qs, field: str) -> dict:
    return {row[field]: row["n"] for row in qs.values(field).annotate(n=Count("pk")).order_by()}


def _choices_counts(counts: dict, choices) -> list[dict]:
    return [
        {"code": value, "label": str(label), "count": counts.get(value, 0)}
        for value, label in choices
    ]


def volume(filters, scope) -> dict:
    qs = rows.incidents(filters, scope, "created_at")
    tz = timezone.get_default_timezone()
    by_category = []
    categories = categories_by_id()
    for category_id, n in sorted(_grouped(qs, "category_id").items(), key=lambda kv: -kv[1]):
        category = categories.get(category_id)
        by_category.append(
            {
                "code": category.code if category else None,
                "name": category.name if category else _("No category"),
                "count": n,
            }
        )
    hours = _grouped(qs.annotate(h=ExtractHour("created_at", tzinfo=tz)), "h")
    weekdays = _grouped(qs.annotate(w=ExtractIsoWeekDay("created_at", tzinfo=tz)), "w")
    natures = _grouped(qs, "nature")
    return {
        "total": sum(natures.values()),
        "by_nature": _choices_counts(natures, Nature.choices),
        "by_source": _choices_counts(_grouped(qs, "source"), Source.choices),
        "by_priority": _choices_counts(_grouped(qs, "priority"), Priority.choices),
        "by_category": by_category,
        "by_hour": [hours.get(h, 0) for h in range(24)],
        "by_weekday": [weekdays.get(d, 0) for d in range(1, 8)],
    }


def _clock_relation(target: str) -> FilteredRelation:
    return FilteredRelation(
        "sla_clocks",
        condition=Q(
            sla_clocks__segment__isnull=True,
            sla_clocks__target=target,
            sla_clocks__stopped_at__isnull=False,
            sla_clocks__state__in=rows.OUTCOMES,
        ),
    )


def _time_to(filters, scope, field: str, target: str, *, native=None) -> dict:
    qs = rows.incidents(filters, scope, field).annotate(clock=_clock_relation(target))
    stats = duration_stats(
        qs,
        {"": wall(field, "created_at"), "business_": F("clock__anchor_consumed")},
        native=native,
    )
    return stats


def mtta(filters, scope, *, native=None) -> dict:
    return _time_to(filters, scope, "accepted_at", Target.RESPONSE, native=native)


def mttr(filters, scope, *, native=None) -> dict:
    return _time_to(filters, scope, "resolved_at", Target.RESOLUTION, native=native)


def _compliance(filters, scope, target: str) -> dict:
    row = rows.clock_outcomes(filters, scope, target).aggregate(
        total=Count("pk"), met=counted(Q(sla_clocks__state=State.MET))
    )
    return {"met": row["met"], "total": row["total"], "rate": rate(row["met"], row["total"])}


def response_sla(filters, scope) -> dict:
    return _compliance(filters, scope, Target.RESPONSE)


def resolution_sla(filters, scope) -> dict:
    return _compliance(filters, scope, Target.RESOLUTION)


def ola(filters, scope) -> dict:
    found = (
        rows.ola_segments(filters, scope)
        .values("department_id")
        .annotate(total=Count("pk"), met=counted(Q(ola_met=True)))
        .order_by()
    )
    entries = [
        {
            **department_entry(row["department_id"]),
            "met": row["met"],
            "total": row["total"],
            "rate": rate(row["met"], row["total"]),
        }
        for row in found
    ]
    entries.sort(key=lambda e: (e["rate"] is None, e["rate"] or 0, e["department"] or ""))
    met = sum(e["met"] for e in entries)
    total = sum(e["total"] for e in entries)
    return {"met": met, "total": total, "rate": rate(met, total), "by_department": entries}


def first_contact_resolution(filters, scope) -> dict:
    row = rows.incidents(filters, scope, "resolved_at").aggregate(
        total=Count("pk"), count=counted(Q(first_contact_resolution=True))
    )
    return {**row, "rate": rate(row["count"], row["total"])}


def reopen(filters, scope) -> dict:
    row = rows.incidents(filters, scope, "closed_at").aggregate(
        total=Count("pk"), count=counted(Q(reopen_count__gt=0))
    )
    return {**row, "rate": rate(row["count"], row["total"])}


def backlog(filters, scope) -> dict:
    at = rows.backlog_at(filters)
    buckets = {code: counted(_ageing_q(at, low, high)) for code, low, high in AGEING}
    row = rows.backlog(filters, scope).aggregate(open=Count("pk"), **buckets)
    return {
        "at": timezone.localtime(at).isoformat(),
        "open": row["open"],
        "ageing": [{"bucket": code, "count": row[code]} for code, _low, _high in AGEING],
    }


def _ageing_q(at, low: int, high: int | None) -> Q:
    """Logged between ``high`` and ``low`` days before ``at`` (wall time)."""
    q = Q(created_at__lte=at - timedelta(days=low))
    if high is not None:
        q &= Q(created_at__gt=at - timedelta(days=high))
    return q


def handovers(filters, scope) -> dict:
    row = rows.incidents(filters, scope, "resolved_at").aggregate(
        incidents=Count("pk"),
        handovers=Sum("handover_count", default=0),
        bounces=Sum("bounce_count", default=0),
        passed=counted(Q(handover_count__gt=0) | Q(bounce_count__gt=0)),
    )
    received = _grouped(rows.received_segments(filters, scope), "department_id")
    bounced = _grouped(rows.bounced_segments(filters, scope), "department_id")
    entries = [
        {
            **department_entry(dept),
            "received": received.get(dept, 0),
            "bounced": bounced.get(dept, 0),
            "index": received.get(dept, 0) + bounced.get(dept, 0),
        }
        for dept in set(received) | set(bounced)
    ]
    entries.sort(key=lambda e: (-e["index"], -e["bounced"], e["department"] or ""))
    n = row["incidents"]
    return {
        **row,
        "per_incident": round(row["handovers"] / n, 4) if n else None,
        "bounces_per_incident": round(row["bounces"] / n, 4) if n else None,
        "by_department": entries,
    }


def _department_seconds(clocks) -> list[dict]:
    found = (
        clocks.values("segment__department_id")
        .annotate(seconds=Sum(Seconds(F("anchor_consumed"))), segments=Count("pk"))
        .order_by()
    )
    total = sum(row["seconds"] or 0 for row in found)
    entries = [
        {
            **department_entry(row["segment__department_id"]),
            "seconds": round(row["seconds"] or 0),
            "segments": row["segments"],
            "share": round((row["seconds"] or 0) / total, 4) if total else None,
        }
        for row in found
    ]
    entries.sort(key=lambda e: (-e["seconds"], e["department"] or ""))
    return entries


def section_share(filters, scope) -> list[dict]:
    return _department_seconds(rows.ola_clocks(filters, scope))


def _delay_counts(segments) -> list[dict]:
    counts = _grouped(segments.filter(ola_met=False), "delay_reason_id")
    reasons = DelayReason.objects.in_bulk([pk for pk in counts if pk is not None])
    entries = []
    for pk, n in counts.items():
        reason = reasons.get(pk)
        entries.append(
            {
                "code": reason.code if reason else None,
                "label": reason.name if reason else _("No reason given"),
                "count": n,
            }
        )
    entries.sort(key=lambda e: (-e["count"], e["code"] or "~"))
    return entries


def delay_reasons(filters, scope) -> list[dict]:
    return _delay_counts(rows.segments_ended(filters, scope))


def escalations(filters, scope) -> list[dict]:
    events = rows.escalation_events(filters, scope).annotate(level=KT("data__level"))
    found = _grouped(events, "level")
    counts = {int(level): n for level, n in found.items() if level not in (None, "")}
    return [
        {"level": level, "label": str(label), "count": counts.get(level, 0)}
        for level, label in ((1, _("Section lead")), (2, _("Incident manager")), (3, _("Director")))
    ]


def major_incidents(filters, scope) -> dict:
    qs = rows.incidents(filters, scope, "created_at").filter(is_major=True)
    row = qs.aggregate(
        count=Count("pk"),
        resolved=counted(Q(resolved_at__isnull=False)),
        mean=Avg(Seconds(wall("resolved_at", "created_at"))),
    )
    mean = row.pop("mean")
    return {**row, "mean_duration_seconds": None if mean is None else round(float(mean), 1)}


def satisfaction(filters, scope) -> dict:
    scores = {f"s{n}": counted(Q(satisfaction=n)) for n in range(1, 6)}
    row = rows.incidents(filters, scope, "closed_at").aggregate(
        closed=Count("pk"),
        responses=Count("satisfaction"),
        mean=Avg("satisfaction"),
        **scores,
    )
    return {
        "responses": row["responses"],
        "closed": row["closed"],
        "response_rate": rate(row["responses"], row["closed"]),
        "mean": None if row["mean"] is None else round(float(row["mean"]), 2),
        "distribution": [{"score": n, "count": row[f"s{n}"]} for n in range(1, 6)],
    }


def workload(filters, scope) -> list[dict]:
    open_now = _grouped(rows.open_now(filters, scope).filter(assignee__isnull=False), "assignee_id")
    accepted = _grouped(
        rows.AssignmentSegment.objects.filter(
            rows.in_period("accepted_at", filters) & rows.segment_q(filters, scope),
            assignee__isnull=False,
        ),
        "assignee_id",
    )
    resolved = _grouped(
        rows.incidents(filters, scope, "resolved_at").filter(
            resolved_by__isnull=False, status__in=(Status.RESOLVED, Status.CLOSED)
        ),
        "resolved_by_id",
    )
    ids = set(open_now) | set(accepted) | set(resolved)
    if scope.own_only:
        ids = {scope.own_user_id}
    people = get_user_model().objects.in_bulk(sorted(ids))
    entries = []
    for pk, person in people.items():
        entries.append(
            {
                "assignee": person.username,
                "assignee_name": f"{person.last_name}{person.first_name}".strip()
                or person.username,
                "open": open_now.get(pk, 0),
                "accepted": accepted.get(pk, 0),
                "resolved": resolved.get(pk, 0),
            }
        )
    entries.sort(key=lambda e: (-e["open"], -e["resolved"], e["assignee"]))
    return entries


def collaboration(filters, scope) -> dict:
    crossed = rows.incidents(filters, scope, "resolved_at").filter(handover_count__gt=0)
    stats = crossed.annotate(clock=_clock_relation(Target.RESOLUTION)).aggregate(
        incidents=Count("pk"),
        mean=Avg(Seconds(wall("resolved_at", "created_at"))),
        business=Avg(Seconds(F("clock__anchor_consumed"))),
    )
    segments = rows.AssignmentSegment.objects.filter(incident__in=crossed, ended_at__isnull=False)
    judged = segments.filter(ola_met__isnull=False).aggregate(
        total=Count("pk"), on_time=counted(Q(ola_met=True))
    )
    clocks = rows.ola_clocks(filters, scope, segments=segments)
    return {
        "incidents": stats["incidents"],
        "mean_seconds": None if stats["mean"] is None else round(float(stats["mean"]), 1),
        "business_mean_seconds": None
        if stats["business"] is None
        else round(float(stats["business"]), 1),
        "on_time": judged["on_time"],
        "total": judged["total"],
        "rate": rate(judged["on_time"], judged["total"]),
        "by_department": _department_seconds(clocks),
        "delay_reasons": _delay_counts(segments),
    }
