"""The lead dashboards cold and warm (issue 18): the source performance page and Today (with
its "Open leads by status" panel for managers), through Django's test client signed in as
bench-00-manager1, each N times round-robin:

- cold: `?refresh=1` (the page recomputes its figures and stores them: what the first visitor
  after a change pays) — for Today, the tenant's figures version is bumped before each request;
- warm: the same page again (figures from the shared cache).

The API's source performance (computed on every call) is timed beside them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/atrium_bench \\
    CACHE_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python -m bench.leads.dashboards [--iterations 30]

Without CACHE_URL the cache is the database table (the default); production uses Redis.
"""

import argparse
import os
import time

from bench.lib.timing import load_average, percentile

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_bench"
USERNAME = "bench-00-manager1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    from bench.lib.setup import database_label, setup_django

    setup_django(default_url=DEFAULT_DATABASE_URL)
    from django.contrib.auth import get_user_model
    from django.test import Client
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from crm.selectors.leads import LEAD_FIGURES
    from tenancy.caching import bump_figures
    from tenancy.models import Membership

    user = get_user_model().objects.get(username=USERNAME)
    tenant = Membership.objects.get(user=user).tenant
    page = Client()
    page.force_login(user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    period = {"source": "WEBSITE", "start_date": "2025-11-01", "end_date": "2026-10-31"}

    def bumped_home():
        bump_figures(tenant.pk, LEAD_FIGURES)  # outside a transaction: at once
        return page.get("/")

    scenarios = {
        "sources page, cold": lambda: page.get("/sources/performance/", {**period, "refresh": "1"}),
        "sources page, warm": lambda: page.get("/sources/performance/", period),
        "Today (manager), cold": bumped_home,
        "Today (manager), warm": lambda: page.get("/"),
        "API source performance (exact)": lambda: api.get(
            "/api/v1/customization/lead-sources/WEBSITE/performance/",
            {"start_date": period["start_date"], "end_date": period["end_date"]},
        ),
    }
    bump_figures(tenant.pk, LEAD_FIGURES)  # start cold (no clear: the cache may be shared)
    print(f"{database_label()}, tenant {tenant.slug}; load average {load_average()}")
    for call in scenarios.values():  # warm-up: connections, templates, the cache's table
        assert call().status_code == 200
    timings: dict[str, list[float]] = {name: [] for name in scenarios}
    cpu = {name: 0.0 for name in scenarios}
    for _ in range(args.iterations):
        for name, call in scenarios.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            response = call()
            timings[name].append((time.perf_counter() - started) * 1000)
            cpu[name] += time.process_time() - started_cpu
            assert response.status_code == 200, (name, response.status_code)
    print(f"{'scenario':34} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8}")
    for name, values in timings.items():
        print(
            f"{name:34} {percentile(values, 50):8.1f} {percentile(values, 95):8.1f} "
            f"{cpu[name] * 1000 / len(values):8.1f}"
        )
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
