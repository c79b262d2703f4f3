"""A stream's state, as the Singer SDK keeps one per stream: the committed cursor, the window in progress and
the position after its last committed page (typed fields for sync, an opaque blob for the connector)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from connectors import Position, Window
from sync import SourceAccount, StreamCursor, session
from sync.pull.cursors import StreamState, begin_window, finish_window, load, save_position
from tests.fakes import T0, FakeCrm

JOB, CONN, STREAM = "nightly", "sf", "Account"
KEY = {"job": JOB, "connection": CONN, "stream": STREAM}
START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
DAY = Window(START, END)
# A blob as a connector may keep it: nested lists, nulls, numbers, text outside ASCII.
BLOB = {"job_id": "750Q000000Abc", "locator": "MTAwMDA", "offset": 250, "segments": [[1, 9, 42, None]], "n": "Zoë"}


@pytest.fixture
def engine(store: Engine) -> Engine:
    """The migrated store of the suite (tests/conftest.py), under the name these tests give it."""
    return store


def state(engine: Engine, **key: str) -> StreamState:
    with session(engine) as s:
        return load(s, **(KEY | key))


def begin(engine: Engine, window: Window = DAY, sweep_id: int | None = None) -> None:
    with session(engine) as s:
        begin_window(s, **KEY, window=window, sweep_id=sweep_id, run_id=1)
        s.commit()


def save(engine: Engine, position: Position) -> None:
    with session(engine) as s:
        save_position(s, **KEY, position=position, run_id=1)
        s.commit()


def test_a_stream_never_read_has_an_empty_state(engine: Engine) -> None:
    assert state(engine) == StreamState(cursor=None, window=None, position=None, sweep_id=None, needs_full=False)


def test_beginning_a_window_records_it_with_no_position_yet(engine: Engine) -> None:
    begin(engine, sweep_id=7)
    assert state(engine) == StreamState(None, Window(START, END), None, 7)


def test_a_saved_position_loads_back_exactly_blob_and_all(engine: Engine) -> None:
    begin(engine)
    position = Position("bulk", START + timedelta(hours=3), "001000000000000042", blob=BLOB)
    save(engine, position)
    assert state(engine).position == position
    assert state(engine).position.blob["segments"] == [[1, 9, 42, None]]  # type: ignore[union-attr]


def test_each_page_replaces_the_position_before_it_blob_included(engine: Engine) -> None:
    begin(engine)
    save(engine, Position("list", START, "1", blob={"after": "2"}))
    save(engine, Position("deleted", START + timedelta(hours=1), "7", complete=True))
    assert state(engine).position == Position("deleted", START + timedelta(hours=1), "7", complete=True, blob={})


def test_a_finished_window_moves_the_cursor_to_its_end_and_clears_the_position(engine: Engine) -> None:
    begin(engine, sweep_id=3)
    save(engine, Position("bulk", START, "9", blob=BLOB))
    with session(engine) as s:
        assert finish_window(s, **KEY, run_id=1) is False
        s.commit()
    assert state(engine) == StreamState(END, None, None, None)
    with session(engine) as s:
        row = s.get(StreamCursor, (JOB, CONN, STREAM))
        assert row is not None
        assert (row.mode, row.last_id, row.position_blob) == (None, None, None)


@pytest.mark.parametrize(
    ("window_start", "needs_full"),
    [(START, True), (None, False)],  # a full read finds every delete: it needs no other
)
def test_a_window_past_the_crms_delete_reach_leaves_a_full_read_to_do(
    engine: Engine, window_start: datetime | None, needs_full: bool
) -> None:
    begin(engine, Window(window_start, END))
    save(engine, Position("deleted", END, None, complete=True, needs_full_resync=True))
    with session(engine) as s:
        assert finish_window(s, **KEY, run_id=1) is needs_full
        s.commit()
    assert state(engine).needs_full is needs_full
    assert state(engine).cursor == END


def test_a_kill_between_pages_keeps_the_last_committed_page_and_its_position(engine: Engine) -> None:
    begin(engine)
    first = Position("rest", START + timedelta(minutes=1), "001A", blob={"after": "p2"})
    with session(engine) as s:
        s.add(SourceAccount(connection=CONN, crm="salesforce", source_id="001A"))
        save_position(s, **KEY, position=first, run_id=1)
        s.commit()
    with session(engine) as s:  # the second page is stored, its position saved, then the process dies
        s.add(SourceAccount(connection=CONN, crm="salesforce", source_id="001B"))
        save_position(s, **KEY, position=Position("rest", START + timedelta(minutes=2), "001B"), run_id=1)
        s.flush()
        s.rollback()
    assert state(engine).position == first
    assert state(engine).window == Window(START, END)  # the same window is resumed, not a later one
    with session(engine) as s:
        assert s.exec(select(SourceAccount.source_id)).all() == ["001A"]


def test_a_resume_reads_on_after_the_last_committed_page() -> None:
    crm = FakeCrm("sf", page_size=3).seed(7)  # accounts 0..6, a minute apart: pages [0 1 2] [3 4 5] [6]
    connector = crm.connector()
    [spec] = connector.streams(["Account"])
    window = Window(None, T0 + timedelta(hours=1))
    first = next(iter(connector.read(spec, window)))
    assert first.position == Position("rest", T0 + timedelta(minutes=2), f"001{2:015d}")
    rest = [r["Id"] for page in connector.read(spec, window, resume=first.position) for r in page.records]
    assert rest == [f"001{i:015d}" for i in (3, 4, 5, 6)]
