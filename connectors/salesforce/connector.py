"""`SalesforceConnector`: the Connector protocol over one org, and `connect()` that builds it from config."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, Literal

import requests

from config.models import SalesforceConnection
from connectors.base import (
    Crm,
    FieldInfo,
    FieldSpec,
    ObjectSchema,
    Page,
    Position,
    Quota,
    Record,
    RecordUpdate,
    StreamSpec,
    Window,
    WriteResult,
)
from connectors.budget import ApiBudget
from connectors.directory import Directory
from connectors.errors import FatalError
from connectors.inflight import InFlightGate
from connectors.salesforce.account_read import account_pages, id_pages
from connectors.salesforce.bulk import (
    BulkResume,
    BulkSettings,
    BulkUnavailable,
    bulk_pages,
    create_job,
    wait_for_job,
)
from connectors.salesforce.convert import RecordShape
from connectors.salesforce.deleted import deleted_page
from connectors.salesforce.directory import read_directory
from connectors.salesforce.fastquery import HttpxQueryPages
from connectors.salesforce.histogram import histogram
from connectors.salesforce.ingest import ingest
from connectors.salesforce.metadata_package import write_metadata_package
from connectors.salesforce.people import canonical_pages
from connectors.salesforce.provisioning import create_fields
from connectors.salesforce.reader import QueryPages, SdkQueryPages, rest_pages
from connectors.salesforce.retrieve import fetch_records
from connectors.salesforce.session import OrgSession, RetryPolicy
from connectors.salesforce.slices import GatedPages, balanced_cut, headroom, slice_count
from connectors.salesforce.soql import count as count_soql
from connectors.salesforce.soql import select
from connectors.salesforce.streams import (
    DATED_RATES_STREAM,
    MULTI_CURRENCY_STREAM,
    DescribeFields,
    StreamPlan,
    plan_stream,
    stream_def,
)
from connectors.salesforce.writer import update_collections, upsert_collections

_NO_SUCH_COLUMN = re.compile(r"No such column '([^']+)'|Didn't understand relationship '([^']+)'")


class SalesforceConnector:
    """One Salesforce org behind the Connector protocol; built by `connect()`.

    Reads are incremental REST `queryAll` pages, or Bulk API 2.0 when the window holds more than
    `bulk_threshold` records; hard deletes follow as a last page of `deleted_ids`. Every page carries the
    position to resume from. Writes go through sObject Collections (Bulk 2.0 ingest above
    `write_bulk_threshold`).
    """

    crm: Crm = "salesforce"

    def __init__(
        self,
        name: str,
        org: OrgSession,
        *,
        bulk_threshold: int,
        page_size: int,
        write_bulk_threshold: int,
        extra_fields: Mapping[str, Sequence[str]],
        bulk: BulkSettings,
        query_pages: QueryPages | None = None,
        concurrency: int = 1,
    ) -> None:
        self.name = name
        self.org = org
        self.bulk_threshold = bulk_threshold
        self.page_size = page_size
        self.write_bulk_threshold = write_bulk_threshold
        self.extra_fields = {k: tuple(v) for k, v in extra_fields.items()}
        self.bulk = bulk
        self.pages = query_pages or SdkQueryPages(org, page_size)
        self.gate = InFlightGate(max(1, concurrency), partial(headroom, org.meter))
        self._described: dict[str, DescribeFields] = {}
        self._plans: dict[str, StreamPlan] = {}
        self._stream_errors: dict[str, dict[str, str]] = {}

    # -- discovery ---------------------------------------------------------------------------------------

    def _fields(self, obj: str) -> DescribeFields:
        if obj not in self._described:
            raw = self.org.call(f"describe {obj}", lambda sf: getattr(sf, obj).describe())
            self._described[obj] = {str(f["name"]).lower(): f for f in raw.get("fields") or []}
        return self._described[obj]

    def describe(self, obj: str) -> ObjectSchema:
        """The fields the object has now (describe, fetched afresh)."""
        self._described.pop(obj, None)
        fields = self._fields(obj).values()
        return ObjectSchema(obj, {str(f["name"]): _field_info(f) for f in fields})

    def object_names(self) -> set[str]:
        """Every sObject name describeGlobal lists."""
        answer = self.org.call("describeGlobal", lambda sf: sf.describe())
        return {str(o["name"]) for o in (answer or {}).get("sobjects") or []}

    def streams(
        self, objects: Sequence[str], *, extra_fields: Mapping[str, Sequence[str]] | None = None
    ) -> list[StreamSpec]:
        """Specs for `objects`, fields intersected with describe (missing ones in `field_errors`).

        `extra_fields` adds to the connection's extra fields for this call (e.g. the write-back targets).
        CurrencyType is left out unless the org is multi-currency; it brings DatedConversionRate along when the
        org has advanced currency management (else that is left out too); an object the org does not have is left
        out with an error under `field_errors(name)["*"]`.
        """
        names = self.object_names()
        if MULTI_CURRENCY_STREAM in objects and DATED_RATES_STREAM in names and DATED_RATES_STREAM not in objects:
            objects = [*objects, DATED_RATES_STREAM]
        wanted = {obj: tuple(dict.fromkeys([*self.extra_fields.get(obj, ()), *(extra_fields or {}).get(obj, ())]))
                  for obj in objects}  # fmt: skip
        specs = []
        for obj in objects:
            if obj in (MULTI_CURRENCY_STREAM, DATED_RATES_STREAM) and obj not in names:
                continue
            definition = stream_def(obj)
            if definition.object not in names:
                self._stream_errors[obj] = {"*": f"object {definition.object} does not exist in the org"}
                continue
            plan = plan_stream(definition, wanted[obj], self._fields)
            self._plans[obj] = plan
            self._stream_errors[obj] = dict(plan.field_errors)
            specs.append(plan.spec)
        return specs

    def field_errors(self, stream: str) -> Mapping[str, str]:
        """Fields of `stream` that could not be read (configured but missing, or removed during a read)."""
        return dict(self._stream_errors.get(stream, {}))

    def _plan_for(self, spec: StreamSpec) -> StreamPlan:
        plan = self._plans.get(spec.name)
        if plan is not None and plan.spec == spec:
            return plan
        definition = stream_def(spec.name)
        fields = self._fields(spec.object)
        types = {f: str(fields.get(f.lower(), {}).get("type", "string")) for f in spec.fields}
        return StreamPlan(spec, RecordShape(spec.fields, types), {}, definition.tracks_deletes, definition.bulk)

    def directory(self) -> Directory:
        """The Account page address under the instance URL, and the users' names (one query)."""
        return read_directory(self.org)

    def corporate_currency(self) -> str | None:
        """The org's corporate currency: CurrencyType's `IsCorporate` row in a multi-currency org, else the
        Organization's `DefaultCurrencyIsoCode` (the one currency of a single-currency org)."""
        if MULTI_CURRENCY_STREAM in self.object_names():
            soql, field = "SELECT IsoCode FROM CurrencyType WHERE IsCorporate = true", "IsoCode"
        else:
            soql, field = "SELECT DefaultCurrencyIsoCode FROM Organization", "DefaultCurrencyIsoCode"
        rows = self.org.call("corporate currency", lambda sf: sf.query(soql))["records"]
        code = rows[0].get(field) if rows else None
        return str(code) if code else None

    # -- reading -----------------------------------------------------------------------------------------

    def count(self, spec: StreamSpec, window: Window, *, live: bool = False) -> int | None:
        """`SELECT COUNT()` of the window: deleted rows included (as the read returns them) unless `live`."""
        return self._count(spec, window if spec.incremental else None, live=live)

    def _count(self, spec: StreamSpec, window: Window | None, *, live: bool = False) -> int:
        soql = count_soql(spec.object, spec.cursor_field, window)
        answer = self.org.call(f"count {spec.object}", lambda sf: sf.query(soql, include_deleted=not live))
        return int(answer["totalSize"])

    def read(self, spec: StreamSpec, window: Window, resume: Position | None = None) -> Iterator[Page]:
        """Pages of the stream in `window` after `resume`, then (delete-tracked objects, incremental windows)
        one page of hard-deleted ids.

        Soft deletes arrive as records with `IsDeleted = True`. The last record page's position says
        `complete`; the deletes page has mode `deleted`, its cursor is the `latestDateCovered` the
        next window may start from, and `needs_full_resync` is True when the window reaches further
        back than getDeleted's 15 days. A field removed during the read fails that field only.
        """
        plan = self._plan_for(spec)
        position = resume
        while True:
            try:
                for page in canonical_pages(self._pages(plan, window, position), spec.name):
                    position = page.position
                    yield page
                return
            except FatalError as exc:
                if exc.code != "INVALID_FIELD":
                    raise
                plan = self._without_missing(plan, exc)

    def read_accounts(self, spec: StreamSpec, account_ids: Sequence[str]) -> Iterator[Page]:
        """The stream's records of these Account ids (the accounts, their opportunities, the opportunities'
        history and line items; soft-deleted ones with `IsDeleted`), by REST `queryAll`; not checkpointed.
        Streams that are not per account (stages, currency types) yield nothing."""
        if account_ids:
            yield from canonical_pages(account_pages(self.pages, self._plan_for(spec), account_ids), spec.name)

    def read_ids(self, spec: StreamSpec, ids: Sequence[str]) -> Iterator[Page]:
        """The stream's records with these ids, wherever they are filed now (an opportunity moved to another
        account), by REST `queryAll`; not checkpointed."""
        if ids:
            yield from canonical_pages(id_pages(self.pages, self._plan_for(spec), ids), spec.name)

    def _without_missing(self, plan: StreamPlan, exc: FatalError) -> StreamPlan:
        """The plan minus the field(s) the org says are gone (schema drift mid-read)."""
        self._described.pop(plan.spec.object, None)
        fresh = self._fields(plan.spec.object)
        found = _NO_SUCH_COLUMN.search(exc.detail)
        named = {(found.group(1) or found.group(2)).lower()} if found else set()
        gone = [f for f in plan.spec.fields if f.lower() in named or ("." not in f and f.lower() not in fresh)]
        if not gone or "Id" in gone:
            raise exc
        errors = {**plan.field_errors, **{f: f"{plan.spec.object}: field `{f}` does not exist" for f in gone}}
        fields = tuple(f for f in plan.spec.fields if f not in gone)
        spec = replace(plan.spec, fields=fields)
        shape = RecordShape(fields, {f: plan.shape.types.get(f, "string") for f in fields})
        self._stream_errors.setdefault(plan.spec.name, {}).update(errors)
        return replace(plan, spec=spec, shape=shape, field_errors=errors)

    def _pages(self, plan: StreamPlan, window: Window, resume: Position | None) -> Iterator[Page]:
        spec = plan.spec
        read_window = window if spec.incremental else None
        mode = resume.mode if resume else None
        if mode != "deleted" and not (resume and resume.complete):
            yield from self._record_pages(plan, read_window, resume)
        if plan.tracks_deletes and spec.incremental and window.start is not None:
            yield deleted_page(self.org, spec.name, spec.object, window)

    def _record_pages(self, plan: StreamPlan, window: Window | None, resume: Position | None) -> Iterator[Page]:
        position = resume
        try:
            for page in self._bulk_pages(plan, window, resume):
                position = page.position
                yield page
        except BulkUnavailable:
            pass  # REST goes on from the last page handed out
        else:
            if position is not None and position.mode == "bulk":
                return
        yield from rest_pages(self.pages, plan, window, _rest_resume(position))

    def _bulk_pages(self, plan: StreamPlan, window: Window | None, resume: Position | None) -> Iterator[Page]:
        """Bulk pages when resuming a Bulk job or when the window is large; nothing otherwise."""
        spec = plan.spec
        if resume is not None and resume.mode == "bulk" and (at := BulkResume.of(resume)) is not None:
            yield from bulk_pages(self.org, plan, at.job_id, self.bulk, at.locator, at.offset)
            return
        if resume is not None or not plan.bulk:
            return
        if self._count(spec, window) <= self.bulk_threshold:
            return
        job_id = create_job(self.org, select(spec.object, spec.fields, spec.cursor_field, window))
        wait_for_job(self.org, job_id, self.bulk)
        yield from bulk_pages(self.org, plan, job_id, self.bulk)

    # -- concurrent slices (see slices.py) ---------------------------------------------------------------

    def slices(self, spec: StreamSpec, window: Window) -> list[Window]:
        """The window cut into as many slices as its pages and the in-flight ceiling allow (one: no cut),
        balanced by record count.

        Costs one to three aggregate `queryAll` calls side by side (histogram.py) when concurrency is on; they
        also give the window's size (a window above the Bulk threshold is not cut: it goes through Bulk 2.0)."""
        cursor = spec.cursor_field
        if self.gate.ceiling <= 1 or not spec.incremental or cursor is None:
            return [window]

        def one(soql: str) -> list[dict[str, Any]]:
            with self.gate.slot():
                answer = self.org.call(f"histogram {spec.object}", lambda sf: sf.query(soql, include_deleted=True))
            return list(answer.get("records") or [])

        def ask(queries: list[str]) -> list[Sequence[Mapping[str, Any]]]:
            if len(queries) == 1:
                return [one(queries[0])]
            with ThreadPoolExecutor(len(queries), thread_name_prefix="sf-histogram") as pool:
                return list(pool.map(one, queries))

        ceiling = self.gate.limit()
        buckets = histogram(ask, spec.object, cursor, window, lambda n: slice_count(n, self.page_size, ceiling))
        records = sum(b.count for b in buckets)
        n = slice_count(records, self.page_size, ceiling)
        if n <= 1 or (self._plan_for(spec).bulk and records > self.bulk_threshold):
            return [window]
        return balanced_cut(window, buckets, n)

    def read_slice(self, spec: StreamSpec, window: Window, resume: Position | None = None) -> Iterator[Page]:
        """One slice's record pages by REST (each call in a slot of the gate); the last says `complete`."""
        yield from rest_pages(GatedPages(self.pages, self.gate), self._plan_for(spec), window, resume, ahead=False)

    def read_tail(self, spec: StreamSpec, window: Window) -> Iterator[Page]:
        """What follows the records of a window read in slices: its hard deletes (incremental windows)."""
        plan = self._plan_for(spec)
        if plan.tracks_deletes and spec.incremental and window.start is not None:
            yield deleted_page(self.org, spec.name, spec.object, window)

    # -- writing -----------------------------------------------------------------------------------------

    def write(self, obj: str, updates: Sequence[RecordUpdate]) -> Iterator[list[WriteResult]]:
        """sObject Collections PATCH, 200 a call, `allOrNone=false`; Bulk 2.0 ingest above the threshold."""
        if len(updates) > self.write_bulk_threshold:
            return ingest(self.org, obj, updates, settings=self.bulk)
        return update_collections(self.org, obj, updates)

    def upsert(self, obj: str, external_id: str, updates: Sequence[RecordUpdate]) -> Iterator[list[WriteResult]]:
        """Upsert by external id: each update's `record_id` is its external id value."""
        if len(updates) > self.write_bulk_threshold:
            return ingest(self.org, obj, updates, external_id=external_id, settings=self.bulk)
        return upsert_collections(self.org, obj, external_id, updates)

    def fetch(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, Record]:
        """Current values of `fields` for the records `ids` (deleted or missing records are left out).

        Fields the object does not have (any more) are left out of the records rather than failing the call.
        """
        described = self._fields(obj)
        present = [f for f in fields if f.lower() in described]
        types = {str(described[f.lower()]["name"]): str(described[f.lower()].get("type", "string")) for f in present}
        return fetch_records(self.org, obj, ids, list(types), types)

    def create_fields(self, obj: str, fields: Sequence[FieldSpec]) -> None:
        """Create missing custom fields via the Tooling API and grant the integration user read/edit on them.

        Raises:
            FieldsRefusedError (a ProvisioningError): the fields Salesforce would not create or grant; see
                `write_metadata_package` for a package an admin can deploy instead.
        """
        create_fields(self.org, obj, fields, self._fields)
        self._described.pop(obj, None)

    def write_metadata_package(self, obj: str, fields: Sequence[FieldSpec], folder: Path) -> Path:
        """An sfdx source package creating `fields` on `obj` (and granting them), for an admin to deploy."""
        return write_metadata_package(obj, fields, folder, self.org.conn.api_version)

    # -- the rest ----------------------------------------------------------------------------------------

    def quota(self) -> Quota:
        """The last `Sforce-Limit-Info` usage and this connector's call count."""
        return self.org.meter.quota()

    def charge_earlier(self, calls: int) -> None:
        """Count the job's calls of earlier runs today against its share of the daily quota."""
        budget = self.org.meter.budget
        if budget is not None:
            budget.earlier = calls

    def close(self) -> None:
        """Close the session's pools (and the fast query client, if any)."""
        closer = getattr(self.pages, "close", None)
        if callable(closer):
            closer()
        self.org.close()


def _rest_resume(position: Position | None) -> Position | None:
    if position is None or position.last_id is None:
        return None
    return Position("rest", position.cursor, position.last_id)


def _field_info(raw: Mapping[str, Any]) -> FieldInfo:
    return FieldInfo(
        name=str(raw["name"]),
        type=str(raw.get("type", "string")),
        label=str(raw.get("label", "")),
        updateable=bool(raw.get("updateable", False)),
        length=int(raw["length"]) if raw.get("length") else None,
        custom=bool(raw.get("custom", False)),
    )


def connect(
    name: str,
    conn: SalesforceConnection,
    *,
    budget: ApiBudget | None = None,
    bulk_threshold: int = 50_000,
    page_size: int = 2000,
    write_bulk_threshold: int = 10_000,
    extra_fields: Mapping[str, Sequence[str]] | None = None,
    retry: RetryPolicy | None = None,
    bulk: BulkSettings | None = None,
    session: requests.Session | None = None,
    query_path: Literal["sdk", "httpx"] = "sdk",
    concurrency: int = 1,
) -> SalesforceConnector:
    """A connector for the org `conn` describes; logs in on first use.

    Args:
        name: the connection's name (in errors and logs; never a secret).
        conn: the connection config.
        budget: the job's share of the org's daily API quota, checked before every call.
        bulk_threshold: above this many records in a window, reads use Bulk API 2.0.
        page_size: REST query page size (`Sforce-Query-Options: batchSize`, 200..2000); also the Bulk page
            size unless `bulk` is given.
        write_bulk_threshold: above this many updates, writes use Bulk API 2.0 ingest.
        extra_fields: configured extra fields per object, intersected with describe.
        retry: retry policy of transient failures.
        bulk: Bulk 2.0 paging and polling settings.
        session: a `requests.Session` to use (tests mount fake adapters on it); a new one by default.
        query_path: REST query pages through simple-salesforce (`sdk`) or one httpx client (`httpx`).
        concurrency: most REST calls in flight when a window is read in slices (1: never sliced); fewer when
            the org's quota or the job's share runs low.
    """
    org = OrgSession(name, conn, budget=budget, retry=retry, session=session)
    settings = bulk or BulkSettings(page_size=page_size)
    pages = HttpxQueryPages(org, page_size) if query_path == "httpx" else None
    return SalesforceConnector(
        name, org, bulk_threshold=bulk_threshold, page_size=page_size, write_bulk_threshold=write_bulk_threshold,
        extra_fields=extra_fields or {}, bulk=settings, query_pages=pages, concurrency=concurrency,
    )  # fmt: skip
