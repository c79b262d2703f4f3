"""Bulk API 2.0 query jobs called on our own session: create, poll with backoff, stream CSV by locator.

Positions carry, in their connector-owned blob (`BulkResume`), the job id, the locator of the result chunk
being read and how many of its rows were already handed out, so a crash resumes mid-job. When the job has
failed, is gone, or the object is not supported by Bulk, `BulkUnavailable` tells the caller to go on through
REST.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, suppress
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, Final

import requests
from tenacity import Retrying, retry_if_result, stop_after_delay, wait_exponential, wait_random
from urllib3.exceptions import HTTPError as Urllib3Error

from connectors.base import Page, Position, Record
from connectors.errors import DataError, FatalError, RateLimitedError, RetriableError
from connectors.salesforce.convert import convert_records
from connectors.salesforce.reader import position_after
from connectors.salesforce.session import OrgSession
from connectors.salesforce.streams import StreamPlan

FINAL_STATES: Final = frozenset({"JobComplete", "Failed", "Aborted"})
JSON: Final = {"Accept": "application/json"}
CSV_ACCEPT: Final = {"Accept": "text/csv"}
CHUNK: Final = 1 << 16  # bytes read from the results body at a time


class BulkUnavailable(Exception):
    """This read cannot go on through Bulk (job failed or gone, object unsupported): use REST instead."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class BulkSettings:
    """How a Bulk read pages: rows per results call, rows per Page, and how long to wait for the job."""

    max_records: int = 50_000
    page_size: int = 2000
    poll_first: float = 0.05
    poll_cap: float = 10.0
    max_wait: float = 3600.0


def create_job(org: OrgSession, soql: str) -> str:
    """`POST /jobs/query` (queryAll: deleted rows included); BulkUnavailable when Salesforce refuses it."""
    body = {"operation": "queryAll", "query": soql, "contentType": "CSV", "columnDelimiter": "COMMA",
            "lineEnding": "LF"}  # fmt: skip
    try:
        answer = org.request("create Bulk query job", "POST", "jobs/query", json=body, headers=JSON)
    except (FatalError, DataError) as exc:
        raise BulkUnavailable(f"job refused: {exc.detail} ({exc.code})") from None
    except RateLimitedError:
        raise  # a full rate window is the org's, not Bulk's: REST would meet the same limit
    except RetriableError as exc:  # 5xx still there after the retries: Bulk is down, REST may not be
        raise BulkUnavailable(f"job creation kept failing: {exc.detail} ({exc.status or exc.code})") from None
    return str(answer.json()["id"])


def poll_job(org: OrgSession, kind: str, job_id: str, settings: BulkSettings) -> Mapping[str, Any]:
    """Poll `GET /jobs/{kind}/{id}` (kind `query` or `ingest`) with exponential backoff until a final state
    (no blind first sleep) or `settings.max_wait`; returns the last answer, final or not."""

    def poll() -> Mapping[str, Any]:
        info: Mapping[str, Any] = org.request(
            f"poll Bulk {kind} job", "GET", f"jobs/{kind}/{job_id}", headers=JSON
        ).json()
        return info

    retrying = Retrying(
        retry=retry_if_result(lambda info: info.get("state") not in FINAL_STATES),
        wait=wait_exponential(multiplier=settings.poll_first, max=settings.poll_cap) + wait_random(0, 0.05),
        stop=stop_after_delay(settings.max_wait),
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else {},
    )
    return retrying(poll)


def wait_for_job(org: OrgSession, job_id: str, settings: BulkSettings) -> Mapping[str, Any]:
    """The query job once final (`poll_job`); a job gone or not complete is `BulkUnavailable`."""
    try:
        info = poll_job(org, "query", job_id, settings)
    except DataError as exc:
        raise BulkUnavailable(f"job {job_id} is gone ({exc.code})") from None
    if info.get("state") != "JobComplete":
        raise BulkUnavailable(f"job {job_id} ended {info.get('state')}: {info.get('errorMessage', '')}".rstrip(": "))
    return info


def delete_job(org: OrgSession, job_id: str) -> None:
    """`DELETE /jobs/query/{id}` once every result was read (a job already gone is fine)."""
    with suppress(DataError):
        org.request("delete Bulk query job", "DELETE", f"jobs/query/{job_id}")


def _rows(answer: requests.Response) -> Iterator[list[str]]:
    """CSV rows parsed as the body streams in (never the whole body in memory); quoted newlines kept."""
    return csv.reader(chain.from_iterable(_lines(answer.iter_content(CHUNK))))


def _lines(chunks: Iterable[bytes]) -> Iterator[list[str]]:
    """The body's lines (each with its `\\n`: a quoted newline stays in its cell), a chunk's worth at a time.

    `csv.reader` over a text wrapper of the socket would ask the stream whether it is closed once a line; cut
    here from 64 KiB chunks, the lines of a chunk are split in C and the reader sees the same text.
    """
    decode = codecs.getincrementaldecoder("utf-8")().decode
    tail = ""
    for chunk in chunks:
        block = tail + decode(chunk)
        cut = block.rfind("\n") + 1
        tail = block[cut:]
        yield io.StringIO(block[:cut], newline="\n").readlines()
    tail += decode(b"", final=True)
    if tail:
        yield [tail]


def _fetch(org: OrgSession, job_id: str, locator: str, settings: BulkSettings) -> requests.Response:
    params: dict[str, Any] = {"maxRecords": settings.max_records}
    if locator:
        params["locator"] = locator
    try:
        return org.request(
            "read Bulk query results", "GET", f"jobs/query/{job_id}/results", params=params, headers=CSV_ACCEPT,
            stream=True,
        )  # fmt: skip
    except DataError as exc:  # 404: the job was deleted or expired
        raise BulkUnavailable(f"results of job {job_id} are gone ({exc.code})") from None
    except FatalError as exc:  # e.g. 409 when read with another API version
        raise BulkUnavailable(f"results of job {job_id} refused: {exc.detail}") from None


@dataclass(frozen=True, slots=True)
class BulkResume:
    """Where a Bulk read stands, kept as the position's blob: the job, the result chunk's locator (`""`: the
    first chunk) and the rows of that chunk already handed out."""

    job_id: str
    locator: str
    offset: int

    def as_blob(self) -> dict[str, Any]:
        """The JSON form sync stores with the page."""
        return {"job_id": self.job_id, "locator": self.locator, "offset": self.offset}

    @classmethod
    def of(cls, position: Position) -> BulkResume | None:
        """The Bulk read a position resumes; None when it names no job."""
        blob = position.blob
        if not blob.get("job_id"):
            return None
        return cls(str(blob["job_id"]), str(blob.get("locator") or ""), int(blob.get("offset") or 0))


@dataclass
class _Chunk:
    """The result chunk being read: its locator, rows handed out, and the locator after it."""

    job_id: str
    locator: str
    offset: int
    next_locator: str | None = None


def bulk_pages(
    org: OrgSession, plan: StreamPlan, job_id: str, settings: BulkSettings, locator: str = "", offset: int = 0
) -> Iterator[Page]:
    """Pages of a complete job from `locator` (skipping `offset` rows of that chunk); deletes the job after."""
    chunk: _Chunk | None = _Chunk(job_id, locator, offset)
    while chunk is not None:
        yield from _chunk_pages(org, plan, chunk, settings)
        chunk = _Chunk(job_id, chunk.next_locator, 0) if chunk.next_locator else None
    delete_job(org, job_id)


def _chunk_pages(org: OrgSession, plan: StreamPlan, chunk: _Chunk, settings: BulkSettings) -> Iterator[Page]:
    """One results call's pages; a connection dropped mid-body re-reads the chunk from what was handed out."""
    for attempt in range(org.retry.attempts):
        answer = _fetch(org, chunk.job_id, chunk.locator, settings)
        following = answer.headers.get("Sforce-Locator") or "null"
        chunk.next_locator = None if following == "null" else following
        try:
            with closing(answer):
                yield from _pages_of(plan, chunk, _rows(answer), settings.page_size)
            return
        except (requests.RequestException, Urllib3Error, OSError) as exc:
            if attempt + 1 >= org.retry.attempts:
                raise RetriableError(org.name, f"Bulk results of job {chunk.job_id} kept dropping: {exc}") from None


def _pages_of(plan: StreamPlan, chunk: _Chunk, rows: Iterator[list[str]], page_size: int) -> Iterator[Page]:
    header = next(rows, None)
    if header is None:
        return
    names = _canonical(header, plan.spec.fields)
    deque(islice(rows, chunk.offset), maxlen=0)  # rows already handed out before a resume
    ahead = next(rows, None)
    while ahead is not None:
        # An empty cell is null: Bulk CSV has no other way to say it. Each row becomes its record as it is
        # parsed (a page of parsed rows held first costs a third more: 2,000 lists alive, cache gone cold).
        page = chain((ahead,), islice(rows, page_size - 1))
        batch: list[Record] = [dict(zip(names, [cell or None for cell in row], strict=False)) for row in page]
        ahead = next(rows, None)
        chunk.offset += len(batch)
        yield _page(plan, chunk, batch, last=ahead is None)


def _page(plan: StreamPlan, chunk: _Chunk, batch: list[Record], *, last: bool) -> Page:
    spec = plan.spec
    if not last:
        resume = BulkResume(chunk.job_id, chunk.locator, chunk.offset)
    elif chunk.next_locator:
        resume = BulkResume(chunk.job_id, chunk.next_locator, 0)
    else:
        resume = BulkResume(chunk.job_id, "", 0)
    at = position_after("bulk", spec.cursor_field, batch[-1])
    complete = last and not chunk.next_locator
    position = Position("bulk", at.cursor, at.last_id, complete=complete, blob=resume.as_blob())
    records, skipped = convert_records(plan.shape, batch, csv=True)
    return Page(spec.name, records, position, skipped=skipped, field_errors=plan.field_errors)


def _canonical(header: list[str], fields: tuple[str, ...]) -> list[str]:
    by_lower = {f.lower(): f for f in fields}
    return [by_lower.get(h.lower(), h) for h in header]
