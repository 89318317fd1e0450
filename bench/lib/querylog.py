"""The SQL a piece of work sends: every statement timed, and the plan of one."""

import time


class QueryLog:
    """A connection.execute_wrapper that times every query of a request."""

    def __init__(self):
        self.entries: list[tuple[float, str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.entries.append(((time.perf_counter() - start) * 1000, sql, params))

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def ms(self) -> float:
        """Time inside the statements, in milliseconds."""
        return sum(ms for ms, _, _ in self.entries)


def explain_analyze(sql: str, params) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a statement: the plan as text."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        return "\n".join(row[0] for row in cur.fetchall())
