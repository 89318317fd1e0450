"""Django set-up shared by the bench scripts: a dedicated PostgreSQL database, DEBUG off."""

import os
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RESULTS_DIR = BASE_DIR / "bench" / ".data"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atrium_bench"


def setup_django(*, allow_any_database: bool = False, default_url: str | None = None) -> None:
    """Configure Django for a bench run.

    DATABASE_URL defaults to the scenario's own database (`default_url`, else `atrium_bench`);
    DEBUG is off (as in production) unless the caller set it. A database whose name lacks
    "bench" is refused, so a stray DATABASE_URL never points the generator at someone's
    development or test database.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DATABASE_URL", default_url or DEFAULT_DATABASE_URL)
    os.environ.setdefault("DEBUG", "off")
    # WhiteNoise warns when collectstatic has not run; the bench never serves static files.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db import connection

    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql":
        raise SystemExit(
            f"The bench runs on PostgreSQL; DATABASE_URL points at {connection.vendor}."
        )
    if "bench" not in str(name) and not allow_any_database:
        raise SystemExit(
            f"Refusing to use database '{name}': its name must contain 'bench' "
            "(pass --allow-any-database to override)."
        )


def database_label() -> str:
    from django.db import connection

    s = connection.settings_dict
    return f"{s['NAME']} at {s.get('HOST') or 'local socket'}:{s.get('PORT') or 5432}"
