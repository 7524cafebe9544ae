"""SQLite's query plans of the statements a call runs: which tables and indexes it reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session


def plans(session: Session, call: Callable[[], object]) -> list[str]:
    """SQLite's query plan of every statement `call` runs, one string per statement."""
    statements: list[tuple[str, Sequence[Any]]] = []

    def record(*args: Any) -> None:
        statements.append((args[2], args[3]))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    connection = session.connection()
    return [
        " / ".join(
            str(row[-1])
            for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", tuple(params))
        )
        for sql, params in statements
    ]
