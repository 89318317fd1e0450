"""Create the bench database named by DATABASE_URL if it does not exist (PostgreSQL only)."""

import os
import sys
from urllib.parse import urlsplit

from .setup import DEFAULT_DATABASE_URL


def main() -> None:
    import psycopg
    from psycopg import sql

    url = urlsplit(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    name = url.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(
            f"Refusing to create '{name}': the bench database's name contains 'bench'."
        )
    maintenance = url._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"database {name} exists")
            return
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        print(f"created database {name}")


if __name__ == "__main__":
    main()
    sys.exit(0)
