"""PostgreSQL notifications of commits that may change the serving version.

The serving version (registry.screening.serving) is read from five tables. On PostgreSQL a
statement trigger on each of them sends a notification on `CHANNEL` whenever a statement
writes the table; PostgreSQL delivers it to every listening connection when (and only if)
the writing transaction commits, and sends one per transaction however many statements
wrote. Listeners (runtime.version_notices) then know when a version they read may be out of
date. The payload is the table's name, never a row's content.

The same SQL is run by migration 0010_ntf and, for tests that create the schema from the
models, after `Base.metadata.create_all`. SQLite has no notifications and gets nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, MetaData, event, text

from registry.models.base import Base

CHANNEL = "registry_serving"
TABLES = (
    "log_events",
    "signed_checkpoints",
    "entry_revisions",
    "responsible_persons",
    "listing_requests",
)
FUNCTION = "registry_serving_notice"
TRIGGER = "serving_notice"

CREATE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    RETURN NULL;
END
$$
"""


def create_statements() -> list[str]:
    """The SQL that makes every write to the version's tables notify `CHANNEL` on commit."""
    statements = [CREATE_FUNCTION]
    for table in TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}")
        statements.append(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )
    return statements


def drop_statements() -> list[str]:
    """The SQL that undoes `create_statements`."""
    return [f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}" for table in TABLES] + [
        f"DROP FUNCTION IF EXISTS {FUNCTION}()"
    ]


@event.listens_for(Base.metadata, "after_create")
def _create_on_postgresql(target: MetaData, connection: Connection, **kw: Any) -> None:
    """`create_all` on PostgreSQL adds the triggers, as the migrations do."""
    if connection.dialect.name == "postgresql" and set(TABLES) <= set(target.tables):
        for statement in create_statements():
            connection.execute(text(statement))


@event.listens_for(Base.metadata, "after_drop")
def _drop_on_postgresql(target: MetaData, connection: Connection, **kw: Any) -> None:
    """`drop_all` on PostgreSQL also drops the trigger function."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP FUNCTION IF EXISTS {FUNCTION}()"))
