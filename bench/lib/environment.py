"""What the figures were measured on: versions, PostgreSQL's memory settings, CPUs, load."""

import os
import platform

from .timing import load_average

PG_SETTINGS = ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost")


def environment() -> dict:
    import django
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SHOW server_version")
        version = cur.fetchone()[0]
        settings = {}
        for name in PG_SETTINGS:
            cur.execute(f"SHOW {name}")
            settings[name] = cur.fetchone()[0]
    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": version,
        "pg_settings": settings,
        "cpus": os.cpu_count(),
        "load_average": load_average(),
    }
