"""Bench-only URLs: the product's, plus the baselines of the API benchmarks."""

import uuid

from django.db import transaction
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.models import IncidentCounter
from itsm.urls import urlpatterns as product_urlpatterns


class BareInsert(APIView):
    """The baseline: a DRF endpoint (same authentication, throttling, JSON) inserting one row."""

    def post(self, request):
        with transaction.atomic():
            IncidentCounter.objects.create(name=uuid.uuid4().hex[:40], value=1)
        return Response({"ok": True}, status=201)


class Trivial(APIView):
    """The baseline of the reads: a DRF endpoint answering a constant."""

    def get(self, request):
        return Response({"ok": True})


urlpatterns = [
    path("bench/bare/", BareInsert.as_view()),
    path("bench/trivial/", Trivial.as_view()),
    *product_urlpatterns,
]
