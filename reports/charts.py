"""Charts of the dashboards as server-side SVG: no script, no CDN, so they print and read the
same in Chinese and English (the labels are the page's translated text)."""

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

FONT = "system-ui, 'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif"
BAR = "#0d6efd"
LINE = "#198754"
GRID = "#dee2e6"
TEXT = "#212529"
MUTED = "#6c757d"


@dataclass(frozen=True)
class Point:
    """One bar or point: its axis label, its value (None: nothing to measure), the text shown
    for it and where it drills down to."""

    label: str
    value: float | None
    shown: str = ""
    href: str = ""


def _scale_max(points: list[Point], fixed: float | None) -> float:
    if fixed is not None:
        return fixed
    top = max((p.value for p in points if p.value is not None), default=0) or 1
    return top * 1.1


def _link(href: str, inner: str) -> str:
    if not href:
        return inner
    return format_html('<a href="{}">{}</a>', href, mark_safe(inner))  # noqa: S308 built here


def _frame(width: int, height: int, title: str, body: list[str]) -> SafeString:
    head = format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" role="img" '
        'viewBox="0 0 {} {}" width="100%" font-family="{}" font-size="12" aria-label="{}">'
        "<title>{}</title>",
        width,
        height,
        FONT,
        title,
        title,
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 every part escaped


def _axis(width: int, top: int, bottom: int, left: int, scale: float, fmt) -> list[str]:
    """Horizontal grid lines with the values they stand for."""
    parts = []
    for step in range(5):
        value = scale * step / 4
        y = bottom - (bottom - top) * step / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(fmt(value))}</text>"
        )
    return parts


def _x_labels(points: list[Point], left: int, step: float, y: int) -> list[str]:
    """Every label when they fit, otherwise every n-th one."""
    every = max(1, round(len(points) / 12))
    return [
        f'<text x="{left + step * (i + 0.5):.1f}" y="{y}" text-anchor="middle" fill="{MUTED}">'
        f"{escape(p.label)}</text>"
        for i, p in enumerate(points)
        if i % every == 0 or i == len(points) - 1
    ]


def bar_chart(points: list[Point], *, title: str, fmt=str, max_value=None) -> SafeString:
    """Vertical bars (e.g. the weekly volume); each bar links to its incidents."""
    width, height, left, top, bottom = 640, 220, 48, 12, 190
    scale = _scale_max(points, max_value)
    step = (width - 8 - left) / max(len(points), 1)
    body = _axis(width, top, bottom, left, scale, fmt)
    for i, p in enumerate(points):
        if p.value is None:
            continue
        h = (bottom - top) * min(p.value / scale, 1)
        rect = (
            f'<rect x="{left + step * i + step * 0.15:.1f}" y="{bottom - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{BAR}">'
            f"<title>{escape(p.label)}: {escape(p.shown or fmt(p.value))}</title></rect>"
        )
        body.append(_link(p.href, rect))
    body += _x_labels(points, left, step, height - 14)
    return _frame(width, height, title, body)


def line_chart(points: list[Point], *, title: str, fmt=str, max_value=None) -> SafeString:
    """A line over time (MTTR, SLA compliance); a gap where a bucket has nothing to measure."""
    width, height, left, top, bottom = 640, 220, 56, 12, 190
    scale = _scale_max(points, max_value)
    step = (width - 8 - left) / max(len(points), 1)
    body = _axis(width, top, bottom, left, scale, fmt)
    runs, run = [], []
    for i, p in enumerate(points):
        if p.value is None:
            runs.append(run)
            run = []
            continue
        x = left + step * (i + 0.5)
        y = bottom - (bottom - top) * min(p.value / scale, 1)
        run.append(f"{x:.1f},{y:.1f}")
        dot = (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{LINE}">'
            f"<title>{escape(p.label)}: {escape(p.shown or fmt(p.value))}</title></circle>"
        )
        body.append(_link(p.href, dot))
    runs.append(run)
    lines = [
        f'<polyline points="{" ".join(r)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
        for r in runs
        if len(r) > 1
    ]
    body = body[:5] + lines + body[5:] + _x_labels(points, left, step, height - 14)
    return _frame(width, height, title, body)


def hbar_chart(points: list[Point], *, title: str, fmt=str, max_value=None) -> SafeString:
    """Horizontal bars with their labels (each section's share of the handling time)."""
    row, left, width = 24, 150, 640
    height = max(row * len(points) + 8, 40)
    scale = _scale_max(points, max_value)
    body = []
    for i, p in enumerate(points):
        y = 4 + row * i
        w = (width - left - 70) * min((p.value or 0) / scale, 1)
        shown = p.shown or fmt(p.value or 0)
        bar = (
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{row - 8}" fill="{BAR}">'
            f"<title>{escape(p.label)}: {escape(shown)}</title></rect>"
        )
        body.append(
            f'<text x="{left - 6}" y="{y + row / 2:.1f}" text-anchor="end" '
            f'dominant-baseline="middle" fill="{TEXT}">'
            f"{escape(p.label)}</text>"
        )
        body.append(_link(p.href, bar))
        value_x = left + w + 6
        body.append(
            f'<text x="{value_x:.1f}" y="{y + row / 2:.1f}" dominant-baseline="middle" '
            f'fill="{TEXT}">{escape(shown)}</text>'
        )
    return _frame(width, height, title, body)
