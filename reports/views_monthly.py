"""The monthly service report's pages: the printable HTML report and its PDF."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from itsm.http import forbidden
from itsm.roles import SERVICE_REPORT_ROLES, has_any_role
from reports import pdf
from reports.monthly import MonthForm, monthly_report, monthly_report_links


def _forbidden(request: HttpRequest) -> HttpResponse:
    return forbidden(
        request,
        _(
            "The monthly service report is for directors, incident managers and the "
            "service-desk manager."
        ),
    )


def _month(request: HttpRequest):
    form = MonthForm(request.GET)
    return form, (form.cleaned_data["month"] if form.is_valid() else None)


@login_required
@require_GET
def monthly(request: HttpRequest) -> HttpResponse:
    """The report of ``?month=YYYY-MM`` (last month by default), printable."""
    if not has_any_role(request.user, SERVICE_REPORT_ROLES):
        return _forbidden(request)
    form, month = _month(request)
    context = {
        "form": form,
        "report": monthly_report_links(monthly_report(month)) if month else None,
        "month_value": month.strftime("%Y-%m") if month else request.GET.get("month", "")[:7],
    }
    return render(request, "reports/monthly.html", context, status=200 if month else 400)


@login_required
@require_GET
def monthly_pdf(request: HttpRequest) -> HttpResponse:
    """The same report as a PDF download."""
    if not has_any_role(request.user, SERVICE_REPORT_ROLES):
        return _forbidden(request)
    form, month = _month(request)
    if month is None:
        return render(request, "reports/monthly.html", {"form": form, "report": None}, status=400)
    report = monthly_report(month)
    response = HttpResponse(pdf.monthly_report_pdf(report), content_type=pdf.PDF_CONTENT_TYPE)
    filename = pdf.monthly_report_filename(report)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
