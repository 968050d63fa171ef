"""Incident creation through the service (routing, priority, clocks, events, outbox) next to
a bare one-row ORM INSERT, measured in the same run on the same database."""

import os
import time
import uuid

from common import report, setup_django

N = int(os.environ.get("BENCH_CREATE_N", "300"))


def main() -> None:
    setup_django()
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from incidents import services
    from incidents.models import Category, IncidentCounter

    User = get_user_model()
    agent = User.objects.get(username="desk1")
    requester = User.objects.get(username="user1")
    category = Category.objects.get(code="network-lan")

    def bare():
        with transaction.atomic():
            IncidentCounter.objects.create(name=uuid.uuid4().hex[:40], value=1)

    def create():
        services.incident_create(
            by=agent,
            title="Bench incident",
            description="Created by bench/bench_incident_create.py",
            category=category,
            requester=requester,
            impact=2,
            urgency=2,
        )

    results = {}
    for name, fn in (("bare insert", bare), ("incident_create", create)):
        for _ in range(10):
            fn()
        t0 = time.perf_counter()
        for _ in range(N):
            fn()
        results[name] = N / (time.perf_counter() - t0)
    IncidentCounter.objects.exclude(name="incident").delete()
    ratio = results["incident_create"] / results["bare insert"]
    print(f"incident creation through the service, {N} each (same run, same database)")
    report(
        [
            ("bare one-row INSERT", f"{results['bare insert']:.0f}/s", "baseline"),
            ("incident_create", f"{results['incident_create']:.0f}/s", f"ratio {ratio:.2f}"),
        ]
    )


if __name__ == "__main__":
    main()
