"""The HubSpot connector: the `Connector` protocol over hubspot-api-client."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType

from config.models import HubSpotConnection
from connectors.base import (
    Crm,
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
from connectors.hubspot.account_read import read_by_ids, read_for_accounts
from connectors.hubspot.apis import build_apis
from connectors.hubspot.convert import RecordConverter
from connectors.hubspot.directory import read_directory
from connectors.hubspot.fetch import fetch_records
from connectors.hubspot.full_read import by_search
from connectors.hubspot.people import canonical_contact_pages, owner_pages
from connectors.hubspot.pipelines import read_stages
from connectors.hubspot.portal import company_currency
from connectors.hubspot.provisioning import create_missing_properties
from connectors.hubspot.ratelimit import Clock, RetryPolicy, SystemClock, Throttle
from connectors.hubspot.rawlist import RawObjectsApi
from connectors.hubspot.reader import StreamReader, count_live
from connectors.hubspot.schema import check_properties, fetch_schema
from connectors.hubspot.streams import REQUIRED_PROPERTIES, extras_for, stream_spec, wanted_properties
from connectors.hubspot.transport import CallStats, Transport
from connectors.hubspot.writer import write_batches

__all__ = ["HubSpotConnector"]

log = logging.getLogger(__name__)


class HubSpotConnector:
    """Reads companies, deals and deal pipelines from one HubSpot account and writes properties back.

    Args:
        name: the connection's name in config (used in every error message; never the token).
        conn: the connection's settings.
        budget: this job's share of the daily quota (a fresh unbounded one when not given).
        clock: time for throttling and backoff (the system clock unless a test passes a fake).
        throttle: proactive throttling (turn off only against a sandbox whose limits are off).
        retry: the retry policy of retriable failures.
    """

    crm: Crm = "hubspot"

    def __init__(
        self,
        name: str,
        conn: HubSpotConnection,
        *,
        budget: ApiBudget | None = None,
        clock: Clock | None = None,
        throttle: bool = True,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.name = name
        self.connection = conn
        self.budget = budget if budget is not None else ApiBudget(name)
        self.clock = clock if clock is not None else SystemClock()
        self.throttle = Throttle(self.clock, enabled=throttle)
        self.apis = build_apis(conn)
        self.lister = RawObjectsApi(conn)
        self.transport = Transport(name, self.budget, self.throttle, retry or RetryPolicy(), self.clock)
        self.missing_fields: dict[str, dict[str, str]] = {}

    def __repr__(self) -> str:
        return f"HubSpotConnector(name={self.name!r}, base_url={self.connection.base_url!r})"

    @property
    def stats(self) -> CallStats:
        """Requests sent, 429s received and retries so far."""
        return self.transport.stats

    def streams(
        self, objects: Sequence[str], *, extra_fields: Mapping[str, Sequence[str]] | None = None
    ) -> list[StreamSpec]:
        """Specs for `companies`, `deals`, `pipelines`; properties intersected with the properties API.

        Wanted properties that do not exist are left out and remembered in `missing_fields[stream]`;
        `read` reports them in every page's `field_errors`.
        """
        specs = []
        for obj in objects:
            if obj in ("pipelines", "owners"):
                specs.append(stream_spec(obj, ()))
                continue
            wanted = wanted_properties(obj, self.connection.link_property, extras_for(obj, extra_fields))
            schema = self.describe(obj)
            check = check_properties(schema, wanted, required=REQUIRED_PROPERTIES)
            self.missing_fields[obj] = dict(check.missing)
            specs.append(stream_spec(obj, (*check.present, *self._stage_dates(obj, schema))))
        return specs

    def _stage_dates(self, obj: str, schema: ObjectSchema) -> list[str]:
        """`hs_v2_date_entered_<stage>` of every deal stage that has one (no wildcard exists: the names
        come from the pipelines). They hold only the latest entry; `_stage_history` has the sequence."""
        if obj != "deals":
            return []
        names = (f"hs_v2_date_entered_{stage['id']}" for stage in read_stages(self.transport, self.apis.pipelines))
        return [name for name in names if name in schema.fields]

    def count(self, spec: StreamSpec, window: Window, *, live: bool = False) -> int | None:
        """Live records in the window (search `total`, one call; search never returns archived records, so
        `live` changes nothing); None for pipelines."""
        if not spec.incremental:
            return None
        return count_live(self.transport, self.apis, spec.object, window, spec.cursor_field or "hs_lastmodifieddate")

    def read(self, spec: StreamSpec, window: Window, resume: Position | None = None) -> Iterator[Page]:
        """The stream's pages; see `reader.py` for the paths and positions."""
        if spec.object == "pipelines":
            yield Page(spec.name, read_stages(self.transport, self.apis.pipelines), Position("list"))
            return
        if spec.object == "owners":
            yield from owner_pages(self.transport, self.apis.owners, spec.name)
            return
        reader = self._reader(spec, self.describe(spec.object))
        if window.start is None and resume is None:
            reader.full_by_search = self._full_by_search(spec, window)
        pages = reader.read(window, resume)
        yield from canonical_contact_pages(pages) if spec.object == "contacts" else pages

    def _full_by_search(self, spec: StreamSpec, window: Window) -> bool:
        """Whether this full read takes its live records from search, at the round trips measured so far (a
        search's is measured with the window's count call when none was made yet and the list looks slow)."""
        rates = self.throttle.calls_per_second(), float(self.throttle.search_per_second)
        listed = self.transport.round_trip()
        if self.transport.round_trip(search=True) is None and by_search(listed, listed, *rates):
            self.count(spec, window)
        searched = self.transport.round_trip(search=True)
        chosen = by_search(listed, searched, *rates)
        if chosen:
            log.info("%s.%s: read in full by search, 200 a page (round trips: list calls %.0f ms, search %.0f ms: "
                     "the list's 100 a page would come slower)", self.name, spec.name, (listed or 0) * 1000,
                     (searched or 0) * 1000)  # fmt: skip
        return chosen

    def read_deleted(self, spec: StreamSpec) -> Iterator[Page]:
        """Every archived record of the stream (`archived=true` listing, records with `archived=True`).

        An incremental read lists no archive (its cost would follow the archive, not the changes): call this
        when the live count says records vanished. Streams without an archive yield nothing.
        """
        if spec.object in ("companies", "deals", "contacts"):
            pages = self._reader(spec, self.describe(spec.object)).read_archived()
            yield from canonical_contact_pages(pages) if spec.object == "contacts" else pages

    def read_accounts(self, spec: StreamSpec, account_ids: Sequence[str]) -> Iterator[Page]:
        """The live `companies` with these ids, or the live `deals` or `contacts` associated with them (batch
        reads by id; not checkpointed). Other streams have no records of their own per account: nothing."""
        if spec.object not in ("companies", "deals", "contacts") or not account_ids:
            return
        reader = self._reader(spec, self.describe(spec.object))
        pages = read_for_accounts(self.transport, self.apis, reader, account_ids)
        yield from canonical_contact_pages(pages) if spec.object == "contacts" else pages

    def read_ids(self, spec: StreamSpec, ids: Sequence[str]) -> Iterator[Page]:
        """The live `companies` or `deals` with these ids, wherever they are associated now (batch reads by
        id; not checkpointed)."""
        if spec.object not in ("companies", "deals", "contacts") or not ids:
            return
        reader = self._reader(spec, self.describe(spec.object))
        pages = read_by_ids(self.transport, self.apis, reader, ids)
        yield from canonical_contact_pages(pages) if spec.object == "contacts" else pages

    def _reader(self, spec: StreamSpec, schema: ObjectSchema) -> StreamReader:
        check = check_properties(schema, spec.fields, required=REQUIRED_PROPERTIES)
        errors = {**self.missing_fields.get(spec.name, {}), **check.missing}
        converter = RecordConverter({name: info.type for name, info in schema.fields.items()})
        return StreamReader(self.transport, self.apis, spec, check.present, converter, errors, self.lister)

    def describe(self, obj: str) -> ObjectSchema:
        """The object's properties now (one call)."""
        return fetch_schema(self.transport, self.apis.properties, obj)

    def directory(self) -> Directory:
        """The company page address in HubSpot's app, and the owners' names."""
        return read_directory(self.transport, self.apis.pipelines)

    def corporate_currency(self) -> str | None:
        """The portal's company currency, from the account details (one call)."""
        return company_currency(self.transport, self.apis.pipelines)

    def create_fields(self, obj: str, fields: Sequence[FieldSpec]) -> None:
        """Create missing properties in group `accountsync`; refuse incompatible existing ones."""
        create_missing_properties(self.transport, self.apis, obj, fields)

    def write(
        self, obj: str, updates: Sequence[RecordUpdate], *, id_property: str | None = None
    ) -> Iterator[list[WriteResult]]:
        """`batch/update` (or `batch/upsert` by `id_property`), 100 records a call, results per batch."""
        yield from write_batches(self.transport, self.apis.batch, obj, updates, id_property=id_property)

    def fetch(self, obj: str, ids: Sequence[str], fields: Sequence[str]) -> dict[str, Record]:
        """Current values of `fields` for the records `ids` (100 a call; missing or archived ones left out)."""
        if not ids or obj == "owners":  # every owner, deactivated ones too, is in each full read: unseen is gone
            return {}
        schema = self.describe(obj)
        converter = RecordConverter({name: info.type for name, info in schema.fields.items()})
        return fetch_records(self.transport, self.apis.batch, obj, ids, fields, converter)

    def quota(self) -> Quota:
        """The daily quota HubSpot last reported and the requests this connector sent."""
        return Quota(self.budget.quota_used, self.budget.quota_limit, self.transport.stats.requests)

    def charge_earlier(self, calls: int) -> None:
        """Count the job's calls of earlier runs today against its share of the daily quota."""
        self.budget.earlier = calls

    def close(self) -> None:
        """Release every connection pool."""
        self.apis.close()
        self.lister.close()

    def __enter__(self) -> HubSpotConnector:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
