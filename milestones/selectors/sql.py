"""The few SQL fragments that differ between PostgreSQL and SQLite. Only column expressions built
by the code go through them; values always travel as query parameters."""

from datetime import date

from django.db import connection


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def add_days(date_sql: str, days_sql: str) -> str:
    """`date + days` as a date (SQLite keeps dates as ISO text)."""
    if is_postgresql():
        return f"({date_sql} + {days_sql})"
    return f"date({date_sql}, '+' || {days_sql} || ' days')"


def days_between(later_sql: str, earlier_sql: str) -> str:
    """Whole days from one date to another."""
    if is_postgresql():
        return f"({later_sql} - {earlier_sql})"
    return f"CAST(julianday({later_sql}) - julianday({earlier_sql}) AS INTEGER)"


def in_list(values) -> tuple[str, list]:
    """`IN (%s, %s, …)` placeholders and their parameters."""
    values = list(values)
    return "(" + ", ".join(["%s"] * len(values)) + ")", values


def as_date(value) -> date | None:
    """A date read by raw SQL: a date on PostgreSQL, ISO text on SQLite."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
