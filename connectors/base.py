"""The connector interface both CRMs implement: streams as data, pages with positions, batched writes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

Crm = Literal["salesforce", "hubspot"]
Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class IdMatch:
    """How a CRM record id a person typed (an enrichment file's column) finds the stored record, declared as
    data so it can be applied to a whole column at once.

    A typed text loses what matches `strip` (a spreadsheet's `.0`), must then match `pattern` whole, and is
    matched by its first `length` characters (all of them when None); a stored id by the same prefix. `bad`
    says why a text cannot be such an id.
    """

    match_by: str
    label: str
    bad: str
    pattern: str
    strip: str | None = None
    length: int | None = None

    def stored(self, record_id: str) -> str:
        """A stored record id in the form ids are matched in."""
        return record_id[: self.length]


@dataclass(frozen=True, slots=True)
class ConnectorTraits:
    """What sync needs to know of a CRM, declared by its connector: sync asks these, never the CRM's name.

    Attributes:
        crm: the CRM.
        key_prefix: an account key named after one of this CRM's records reads `<key_prefix>:<id>`.
        key_rank: an account's key names its record of the lowest rank (the system of record first).
        links_to: the CRM whose record ids this CRM's link field holds (the explicit cross-CRM link).
        domain_link: `anchor`: a live, unlinked record stands for its domain; `joins`: a live, unlinked record
            joins the one anchor of its domain (never guessed among several).
        write_batch: the most records one write call takes.
        id_match: how a typed id of this CRM's records is matched.
    """

    crm: Crm
    key_prefix: str
    key_rank: int
    links_to: Crm
    domain_link: Literal["anchor", "joins"]
    write_batch: int
    id_match: IdMatch


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One stream: a CRM object read with a cursor field, keyed by its primary key."""

    name: str
    object: str
    primary_key: str
    cursor_field: str | None
    fields: tuple[str, ...]
    incremental: bool = True


@dataclass(frozen=True, slots=True)
class Window:
    """What a run reads: `start < cursor <= end`; `start=None` is a full read."""

    start: datetime | None
    end: datetime


@dataclass(frozen=True, slots=True)
class Position:
    """Where a stream stands after a page, enough to resume exactly there (a Singer stream's state).

    Attributes:
        mode: which path produced it (`rest`, `bulk`, `search`, `list`, `deleted`).
        cursor: the last record's cursor value in read order.
        last_id: the last record's id in read order.
        complete: the window's (or slice's) records are all read; what follows them (deletes) may be left.
        needs_full_resync: the window reached further back than the CRM keeps deletes: only a full read
            finds the older ones.
        blob: the connector's own resume state, JSON-able (a Bulk job id and locator, search segments, a
            listing's `after`): sync stores it with the page and hands it back on resume, never reads it.
    """

    mode: str
    cursor: datetime | None = None
    last_id: str | None = None
    complete: bool = False
    needs_full_resync: bool = False
    blob: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SkippedRecord:
    """A record that could not be converted at the edge, with its id (when known) and why."""

    record_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a stream: converted records, ids deleted for good, and the position after it."""

    stream: str
    records: list[Record]
    position: Position
    deleted_ids: list[str] = field(default_factory=list)
    skipped: list[SkippedRecord] = field(default_factory=list)
    field_errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """A field (Salesforce) or property (HubSpot) as describe / the properties API tells it."""

    name: str
    type: str
    label: str = ""
    updateable: bool = True
    length: int | None = None
    custom: bool = False


@dataclass(frozen=True, slots=True)
class ObjectSchema:
    """The fields an object has now."""

    object: str
    fields: Mapping[str, FieldInfo]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A field write-back needs: created when missing (kind: number, text, longtext, percent, date)."""

    name: str
    label: str
    kind: Literal["number", "text", "longtext", "percent", "date"]
    length: int | None = None
    precision: int = 18
    scale: int = 2


@dataclass(frozen=True, slots=True)
class RecordUpdate:
    """New values for one record's fields."""

    record_id: str
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What the CRM said about one record of a batch."""

    record_id: str
    ok: bool
    code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Quota:
    """The org's API quota as last reported by the CRM, and the calls this connector made."""

    used: int | None
    limit: int | None
    calls: int


@runtime_checkable
class ListsDeleted(Protocol):
    """A connector whose incremental reads leave out deletes it can list on demand (HubSpot's archive)."""

    def read_deleted(self, spec: StreamSpec) -> Iterator[Page]:
        """Pages of the stream's deleted records (marked so), to call when the live count says some vanished."""
        ...


@runtime_checkable
class SlicedReads(Protocol):
    """A connector that reads one window as independent slices, concurrently, within its CRM's limits.

    `slices` cuts a window into consecutive windows that partition it (one window: read it as ever);
    `read_slice` reads one of them (record pages only, each with the slice's own position; the last says
    `complete`), and is safe to run from several threads at once; `read_tail` yields what follows
    the window's records once every slice is read (e.g. its hard deletes).
    """

    def slices(self, spec: StreamSpec, window: Window) -> list[Window]:
        """The window cut into slices."""
        ...

    def read_slice(self, spec: StreamSpec, window: Window, resume: Position | None = None) -> Iterator[Page]:
        """One slice's pages, after `resume`."""
        ...

    def read_tail(self, spec: StreamSpec, window: Window) -> Iterator[Page]:
        """The window's pages that follow its records."""
        ...


@runtime_checkable
class Connector(Protocol):
    """What sync/ needs from a CRM. Implementations know nothing of the store."""

    name: str
    crm: Crm

    def streams(
        self, objects: Sequence[str], *, extra_fields: Mapping[str, Sequence[str]] | None = None
    ) -> list[StreamSpec]:
        """The stream specs for the configured objects; default and `extra_fields` (per object, e.g. the
        write-back targets) intersected with describe / the properties API."""
        ...

    def count(self, spec: StreamSpec, window: Window, *, live: bool = False) -> int | None:
        """How many records the window holds, when cheap to know: as the read returns them (deleted ones
        included, for progress and the Bulk decision), or only the live ones (`live`, for the audit)."""
        ...

    def read(self, spec: StreamSpec, window: Window, resume: Position | None = None) -> Iterator[Page]:
        """Pages of the stream inside `window`, each with the position after it; resumes after `resume`."""
        ...

    def read_accounts(self, spec: StreamSpec, account_ids: Sequence[str]) -> Iterator[Page]:
        """The stream's records that belong to these CRM account ids (the accounts themselves, their
        opportunities/deals and what hangs off those), read by id for a single-account resync; positions
        are not for resuming. Streams that are not per account yield nothing."""
        ...

    def read_ids(self, spec: StreamSpec, ids: Sequence[str]) -> Iterator[Page]:
        """The stream's records with these ids, wherever they are filed now (an opportunity a resync found
        moved to another account), read as `read_accounts` reads them."""
        ...

    def describe(self, obj: str) -> ObjectSchema:
        """The fields the object has now."""
        ...

    def corporate_currency(self) -> str | None:
        """The CRM's own corporate currency (ISO 4217): the currency of a money value whose record names
        none. None when the CRM does not say."""
        ...

    def create_fields(self, obj: str, fields: Sequence[FieldSpec]) -> None:
        """Create missing fields (HubSpot properties in group `accountsync`; Salesforce via Tooling API)."""
        ...

    def write(self, obj: str, updates: Sequence[RecordUpdate]) -> Iterator[list[WriteResult]]:
        """Send updates in the fewest calls the CRM allows, yielding each batch's per-record results in order."""
        ...

    def fetch(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, Record]:
        """Current values of `fields` for the records `ids` (missing or deleted records are left out)."""
        ...

    def quota(self) -> Quota:
        """The last quota the CRM reported and this connector's call count."""
        ...

    def charge_earlier(self, calls: int) -> None:
        """Count `calls` the job already made today (earlier runs) against its share of the daily quota."""
        ...

    def close(self) -> None:
        """Release sessions and pools."""
        ...
