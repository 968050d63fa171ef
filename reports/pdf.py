"""Printing a report to PDF with WeasyPrint (the CJK font comes from the system: Debian's
``fonts-noto-cjk``; WeasyPrint needs Pango, see README)."""

from django.template.loader import render_to_string
from django.utils import translation

PDF_CONTENT_TYPE = "application/pdf"


def monthly_report_pdf(report: dict, *, language: str | None = None) -> bytes:
    """The monthly service report as a PDF document, in ``language`` (the active one when
    not given). No network access: the report has no external resources."""
    from weasyprint import HTML  # imported late: Pango is loaded only when a PDF is made

    with translation.override(language or translation.get_language()):
        html = render_to_string("reports/monthly_print.html", {"report": report})
    return HTML(string=html, base_url=None, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args, **kwargs):
    """The report embeds everything it shows; nothing from a link is ever fetched."""
    raise ValueError(f"the report fetches no resources ({url[:80]!r})")


def monthly_report_filename(report: dict) -> str:
    return f"service-report-{report['month']:%Y-%m}.pdf"
