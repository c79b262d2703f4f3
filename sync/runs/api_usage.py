"""A job's API calls per connection and UTC day, across its runs and replicas: its budget share is per day.

Every run of a job adds its connectors' calls to the day's tally as it closes them; the next run of the day
starts its budget from that tally (`Connector.charge_earlier`), so 96 quarter-hourly runs share one day's
share instead of each spending it. A run killed before it closed its connectors leaves its calls uncounted:
the CRM's own daily counter (read back at every call) still stops a job at the org's quota.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import select

from connectors import Connector
from sync.store.engine import session
from sync.store.tables import ApiUsage


def today() -> date:
    """The UTC day the budget counts in."""
    return datetime.now(UTC).date()


def spent_today(engine: Engine, *, job: str, connection: str, day: date | None = None) -> int:
    """The calls the job made on the connection on `day` (default today, UTC) in runs that closed them."""
    with session(engine) as s:
        row = s.exec(
            select(ApiUsage.calls).where(
                ApiUsage.job == job, ApiUsage.connection == connection, ApiUsage.day == (day or today())
            )
        ).first()
    return int(row or 0)


def add_calls(engine: Engine, *, job: str, connection: str, calls: int, day: date | None = None) -> None:
    """Add `calls` to the day's tally in one statement (two replicas adding at once both count)."""
    if calls <= 0:
        return
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(ApiUsage.__table__).values(job=job, connection=connection, day=day or today(), calls=calls)  # type: ignore[attr-defined]
    stmt = stmt.on_conflict_do_update(
        index_elements=["job", "connection", "day"],
        set_={"calls": ApiUsage.__table__.c.calls + stmt.excluded.calls},  # type: ignore[attr-defined]
    )
    with session(engine) as s, s.begin():
        s.execute(stmt)


def open_budget(engine: Engine, job: str, connector: Connector) -> int:
    """Charge the connector with the job's calls on its connection earlier today; returns that count."""
    earlier = spent_today(engine, job=job, connection=connector.name)
    connector.charge_earlier(earlier)
    return earlier


def close_budget(engine: Engine, job: str, connector: Connector) -> None:
    """Add the connector's calls to the job's tally for today."""
    add_calls(engine, job=job, connection=connector.name, calls=connector.quota().calls)
