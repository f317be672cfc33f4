"""Versioned schema changes, safe when several replicas start at once.

The `meta` table holds the schema version. A database at an older version is brought forward one
step at a time, in one transaction; on PostgreSQL the transaction first takes an advisory lock, so
replicas that start together migrate one after another and the later ones find nothing to do.
A database newer than this program is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Connection,
    DateTime,
    Integer,
    String,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)

from bot.errors import StoreError
from bot.store import schema as t

# Advisory lock keys (PostgreSQL): any two constants unlikely to collide with other programs.
MIGRATE_LOCK = 0x6E65_7773_0001
STORY_LOCK = 0x6E65_7773_0002


def _v1_to_v2(conn: Connection) -> None:
    """Outbox rows are claimed with a lease, so that replicas never send the same row at once."""
    varchar = String(100).compile(dialect=conn.dialect)
    stamp = DateTime().compile(dialect=conn.dialect)
    conn.execute(text(f"ALTER TABLE outbox ADD COLUMN leased_by {varchar}"))
    conn.execute(text(f"ALTER TABLE outbox ADD COLUMN lease_until {stamp}"))
    # the jobs table is new in version 2: create_all below makes it


def _v2_to_v3(conn: Connection) -> None:
    """Channel settings and mutes made from Slack (/newsbot): new tables only, which create_all
    below makes."""


def _v3_to_v4_entry_text(conn: Connection) -> None:
    """Every new entry's text, labelled or not, for `newsbot replay`: a new table (`entries`),
    which create_all below makes. Entries recorded before the upgrade are not in it."""


def _v4_to_v5_story_severity(conn: Connection) -> None:
    """A story's highest severity so far is kept on the story (it lived in the process's
    memory, so a restart forgot it). Stories recorded before the upgrade start at normal."""
    if any(c["name"] == "severity" for c in inspect(conn).get_columns("stories")):
        return  # a database turned back to an older version by hand keeps the column
    varchar = String(10).compile(dialect=conn.dialect)
    conn.execute(
        text(f"ALTER TABLE stories ADD COLUMN severity {varchar} NOT NULL DEFAULT 'normal'")
    )


def _v5_to_v6_politeness_websub(conn: Connection) -> None:
    """Each feed's politeness floor (`polite_until`) and last <ttl>; WebSub subscriptions are
    a new table (`websub`), which create_all below makes."""
    stamp = DateTime().compile(dialect=conn.dialect)
    number = Integer().compile(dialect=conn.dialect)
    conn.execute(text(f"ALTER TABLE feeds ADD COLUMN polite_until {stamp}"))
    conn.execute(text(f"ALTER TABLE feeds ADD COLUMN ttl {number}"))


# STEPS[n] takes a database from version n to n + 1.
STEPS: dict[int, Callable[[Connection], None]] = {
    1: _v1_to_v2,
    2: _v2_to_v3,
    3: _v3_to_v4_entry_text,
    4: _v4_to_v5_story_severity,
    5: _v5_to_v6_politeness_websub,
}


def migrate(conn: Connection) -> tuple[int, int]:
    """Bring the schema to t.SCHEMA_VERSION; returns (version found, version now). 0: new database."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATE_LOCK)))
    found = 0
    if inspect(conn).has_table("meta"):
        value = conn.execute(select(t.meta.c.value).where(t.meta.c.key == "schema")).scalar()
        found = int(value) if value is not None else 0
    if found > t.SCHEMA_VERSION:
        raise StoreError(
            f"the database has schema version {found}, newer than this newsbot "
            f"({t.SCHEMA_VERSION}); upgrade newsbot or point it at another database"
        )
    if found == t.SCHEMA_VERSION:
        return found, found  # current: no step to run and no table to create
    if found:
        for version in range(found, t.SCHEMA_VERSION):
            STEPS[version](conn)
    t.metadata.create_all(conn)  # a new database, or tables a step added
    if found == 0:
        conn.execute(insert(t.meta).values(key="schema", value=str(t.SCHEMA_VERSION)))
    elif found < t.SCHEMA_VERSION:
        conn.execute(
            update(t.meta).where(t.meta.c.key == "schema").values(value=str(t.SCHEMA_VERSION))
        )
    return found, t.SCHEMA_VERSION
