"""The tables of the report pages, built once from the ``kpis`` object of ``kpis_compute``: the
page shows them, the CSV/XLSX exports write the same cells, so every export has the page's
and the API's numbers. Each figure carries the link to the incidents behind it."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from incidents.choices import EscalationLevel, Nature, Priority, Source

# (name, part, key) -> the drill-down URL with the page's filters.
Drill = Callable[..., str]

WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
AGEING_LABELS = {
    "lt1": gettext_lazy("< 1 day"),
    "1-3": gettext_lazy("1–3 days"),
    "3-7": gettext_lazy("3–7 days"),
    "7-30": gettext_lazy("7–30 days"),
    "gt30": gettext_lazy("> 30 days"),
}


@dataclass(frozen=True)
class Cell:
    """A value as exported (the API's number) and as shown, with its drill-down link."""

    value: object
    shown: str = ""
    href: str = ""

    def __str__(self) -> str:
        return self.shown if self.shown else ("—" if self.value is None else str(self.value))


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    numeric_from: int = 1  # the columns from this one on are figures (right-aligned)
    exports: dict = field(default_factory=dict)  # format -> URL, set by the page

    def export_rows(self):
        return ([cell.value for cell in row] for row in self.rows)


# --- formatting -------------------------------------------------------------------------------


def fmt_rate(rate) -> str:
    if rate is None:
        return "—"
    return f"{number_format(rate * 100, 1)}%"


def fmt_rate_of(rate, numerator, total) -> str:
    """A rate with its numerator and denominator, as every rate is shown."""
    return f"{fmt_rate(rate)} ({numerator}/{total})"


def fmt_duration(seconds) -> str:
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(n)s min") % {"n": number_format(seconds / 60, 0)}
    if seconds < 86400 * 3:
        return _("%(n)s h") % {"n": number_format(seconds / 3600, 1)}
    return _("%(n)s d") % {"n": number_format(seconds / 86400, 1)}


def fmt_number(value, digits=0) -> str:
    return "—" if value is None else number_format(value, digits, force_grouping=True)


def fmt_hours(seconds) -> str:
    return "—" if seconds is None else number_format(seconds / 3600, 1)


# --- reading the kpis object ------------------------------------------------------------------


def entries(value, key: str) -> list[dict]:
    """A breakdown as a list of dicts, whether the KPI gave a list or a {code: count} map."""
    if isinstance(value, dict):
        return [{key: code, "count": count} for code, count in value.items()]
    return list(value or [])


def _label(choices, code) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return str(code or "—")


def _count_table(key, title, first, rows, name, drill, label, code_key) -> Table:
    table = Table(key, title, [first, _("Incidents")])
    for row in rows:
        code = row.get(code_key, row.get("code"))
        table.rows.append(
            [
                Cell(label(row, code)),
                Cell(row.get("count", 0), fmt_number(row.get("count")), drill(name, key=code)),
            ]
        )
    return table


# --- the tables -------------------------------------------------------------------------------


def volume_tables(kpis: dict, drill: Drill) -> list[Table]:
    volume = kpis.get("volume") or {}

    def choice(choices):
        return lambda row, code: row.get("label") or _label(choices, code)

    def name_of(row, code):
        return row.get("name") or row.get("label") or str(code or _("Uncategorised"))

    def key_drill(prefix):
        return lambda name, key: drill(name, key=f"{prefix}:{key}")

    tables = [
        _count_table(
            "by_nature",
            _("Volume by nature"),
            _("Nature"),
            entries(volume.get("by_nature"), "nature"),
            "volume",
            key_drill("nature"),
            choice(Nature),
            "nature",
        ),
        _count_table(
            "by_source",
            _("Volume by channel"),
            _("Channel"),
            entries(volume.get("by_source"), "source"),
            "volume",
            key_drill("source"),
            choice(Source),
            "source",
        ),
        _count_table(
            "by_priority",
            _("Volume by priority"),
            _("Priority"),
            entries(volume.get("by_priority"), "priority"),
            "volume",
            key_drill("priority"),
            choice(Priority),
            "priority",
        ),
        _count_table(
            "by_category",
            _("Volume by category"),
            _("Category"),
            entries(volume.get("by_category"), "category"),
            "volume",
            key_drill("category"),
            name_of,
            "category",
        ),
    ]
    hours = Table("by_hour", _("Volume by hour of day"), [_("Hour"), _("Incidents")])
    for hour, count in enumerate(volume.get("by_hour") or []):
        hours.rows.append([Cell(f"{hour:02d}:00"), Cell(count, fmt_number(count))])
    days = Table("by_weekday", _("Volume by weekday"), [_("Weekday"), _("Incidents")])
    for day, count in enumerate(volume.get("by_weekday") or []):
        days.rows.append([Cell(str(WEEKDAYS[day])), Cell(count, fmt_number(count))])
    return [*tables, hours, days]


def ola_table(kpis: dict, drill: Drill) -> Table:
    """Sections ranked by OLA compliance, best first; sections with nothing measured last."""
    table = Table(
        "ola",
        _("Sections ranked by OLA compliance"),
        [_("Rank"), _("Section"), _("Met"), _("Total"), _("Rate")],
        numeric_from=2,
    )
    rows = entries((kpis.get("ola") or {}).get("by_department"), "department")
    rows.sort(key=lambda r: (r.get("rate") is None, -(r.get("rate") or 0), -r.get("total", 0)))
    for rank, row in enumerate(rows, start=1):
        code = row.get("department")
        table.rows.append(
            [
                Cell(rank),
                Cell(row.get("department_name") or code),
                Cell(row.get("met"), fmt_number(row.get("met")), drill("ola", key=code)),
                Cell(row.get("total"), fmt_number(row.get("total")), drill("ola", "total", code)),
                Cell(row.get("rate"), fmt_rate(row.get("rate"))),
            ]
        )
    return table


def kicking_table(kpis: dict, drill: Drill) -> Table:
    """The 踢球指数 of each section: the bounces it made plus the hand-overs it received,
    highest first."""
    table = Table(
        "kicking",
        _("Sections ranked by the kicking index (bounces made, hand-overs received)"),
        [_("Rank"), _("Section"), _("Kicking index"), _("Bounces made"), _("Hand-overs received")],
        numeric_from=2,
    )
    rows = entries((kpis.get("handovers") or {}).get("by_department"), "department")
    for row in rows:
        row.setdefault("index", row.get("received", 0) + row.get("bounced", 0))
    rows.sort(key=lambda r: (-r["index"], -r.get("bounced", 0), r.get("department") or ""))
    for rank, row in enumerate(rows, start=1):
        code = row.get("department")
        bounced, received = row.get("bounced", 0), row.get("received", 0)
        table.rows.append(
            [
                Cell(rank),
                Cell(row.get("department_name") or code),
                Cell(row["index"], fmt_number(row["index"])),
                Cell(bounced, fmt_number(bounced), drill("handovers", key=f"bounced:{code}")),
                Cell(received, fmt_number(received), drill("handovers", key=f"received:{code}")),
            ]
        )
    return table


def share_table(kpis: dict, drill: Drill) -> Table:
    table = Table(
        "section_share",
        _("Share of the handling time by section"),
        [_("Section"), _("Hours"), _("Share")],
    )
    for row in entries(kpis.get("section_share"), "department"):
        code = row.get("department")
        seconds = row.get("seconds") or 0
        table.rows.append(
            [
                Cell(row.get("department_name") or code),
                Cell(
                    round(seconds / 3600, 2),
                    fmt_hours(seconds),
                    drill("section_share", key=code),
                ),
                Cell(row.get("share"), fmt_rate(row.get("share"))),
            ]
        )
    return table


def backlog_table(kpis: dict, drill: Drill) -> Table:
    backlog = kpis.get("backlog") or {}
    table = Table("backlog", _("Backlog by age"), [_("Age"), _("Open incidents")])
    for row in entries(backlog.get("ageing"), "bucket"):
        bucket = row.get("bucket")
        label = AGEING_LABELS.get(bucket, bucket)
        count = row.get("count", 0)
        table.rows.append(
            [Cell(str(label)), Cell(count, fmt_number(count), drill("backlog", key=bucket))]
        )
    return table


def delay_table(kpis: dict, drill: Drill, name: str = "delay_reasons") -> Table:
    table = Table("delay_reasons", _("Delay reasons (OLA overruns)"), [_("Reason"), _("Count")])
    for row in entries(kpis.get(name), "code"):
        code = row.get("code")
        count = row.get("count", 0)
        table.rows.append(
            [
                Cell(row.get("label") or code or _("No reason given")),
                Cell(count, fmt_number(count), drill(name, key=code or "none")),
            ]
        )
    return table


def escalation_table(kpis: dict, drill: Drill) -> Table:
    table = Table("escalations", _("Escalations by level"), [_("Level"), _("Escalations")])
    for row in entries(kpis.get("escalations"), "level"):
        level = row.get("level")
        count = row.get("count", 0)
        table.rows.append(
            [
                Cell(row.get("label") or _label(EscalationLevel, level)),
                Cell(count, fmt_number(count), drill("escalations", key=str(level))),
            ]
        )
    return table


def satisfaction_table(kpis: dict, drill: Drill) -> Table:
    satisfaction = kpis.get("satisfaction") or {}
    table = Table("satisfaction", _("Satisfaction ratings"), [_("Score"), _("Responses")])
    for row in entries(satisfaction.get("distribution"), "score"):
        score = row.get("score")
        count = row.get("count", 0)
        table.rows.append(
            [Cell(score), Cell(count, fmt_number(count), drill("satisfaction", key=str(score)))]
        )
    return table


def workload_table(kpis: dict, drill: Drill, title: str = "") -> Table:
    table = Table(
        "workload",
        title or _("Technicians' workload"),
        [_("Person"), _("Open now"), _("Accepted"), _("Resolved")],
    )
    for row in entries(kpis.get("workload"), "assignee"):
        who = row.get("assignee")
        cells = [Cell(row.get("assignee_name") or who)]
        for part in ("open", "accepted", "resolved"):
            value = row.get(part, 0)
            cells.append(Cell(value, fmt_number(value), drill("workload", part, who)))
        table.rows.append(cells)
    return table


def agents_table(agents: list[dict]) -> Table:
    """The desk's people: incidents logged, resolved at first contact, and the rate."""
    table = Table(
        "agents",
        _("Agents: incidents logged and resolved at first contact"),
        [_("Person"), _("Logged"), _("Resolved at first contact"), _("Rate")],
    )
    for row in agents:
        rate = round(row["fcr"] / row["logged"], 4) if row["logged"] else None
        table.rows.append(
            [
                Cell(row["name"]),
                Cell(row["logged"], fmt_number(row["logged"])),
                Cell(row["fcr"], fmt_number(row["fcr"])),
                Cell(rate, fmt_rate(rate)),
            ]
        )
    return table
