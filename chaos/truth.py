"""Store against source, id by id and value by value: what the CRMs hold (read in-process from the sandbox's
orgs, never through our connectors) and what the store holds (plain SQL), compared per object."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from sqlalchemy import Engine, text

from sandbox.server import Sandbox

__all__ = ["OBJECTS", "SourceRecord", "StoredRecord", "Tally", "compare", "source_records", "stored_records"]

State = Literal["live", "deleted", "gone"]
MAX_EXAMPLES: Final = 6


@dataclass(frozen=True, slots=True)
class ObjectMap:
    """One compared object: its CRM, CRM object, store table, and store column -> CRM field."""

    crm: str
    object: str
    table: str
    fields: Mapping[str, str]


OBJECTS: Final[tuple[ObjectMap, ...]] = (
    ObjectMap("salesforce", "Account", "source_account", {"name": "Name", "modstamp": "SystemModstamp"}),
    ObjectMap("salesforce", "Opportunity", "opportunity",
              {"name": "Name", "amount": "Amount", "stage": "StageName", "modstamp": "SystemModstamp",
               "account_source_id": "AccountId"}),
    ObjectMap("salesforce", "OpportunityLineItem", "product_line",
              {"total_price": "TotalPrice", "opportunity_source_id": "OpportunityId"}),
    ObjectMap("hubspot", "companies", "source_account", {"name": "name", "modstamp": "hs_lastmodifieddate"}),
    ObjectMap("hubspot", "deals", "opportunity",
              {"name": "dealname", "amount": "amount", "stage": "dealstage", "modstamp": "hs_lastmodifieddate"}),
)  # fmt: skip
TEXT_LIMITS: Final = {"name": 512, "stage": 128}


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """A CRM record: live, deleted (recycle bin / archived / merged away) or gone for good."""

    state: State
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A store row: its compared columns and whether it is live."""

    live: bool
    values: Mapping[str, Any]


@dataclass
class Tally:
    """What a comparison (or several) found."""

    expected: int = 0
    missing: int = 0
    duplicated: int = 0
    wrong: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.missing == 0 and self.duplicated == 0 and self.wrong == 0

    def note(self, message: str) -> None:
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(message)

    def add(self, other: Tally) -> Tally:
        self.expected += other.expected
        self.missing += other.missing
        self.duplicated += other.duplicated
        self.wrong += other.wrong
        for example in other.examples:
            self.note(example)
        return self


# -- the source --------------------------------------------------------------------------------------------------


def source_records(sb: Sandbox, crms: Iterable[str]) -> dict[tuple[str, str], dict[str, SourceRecord]]:
    """Every record of the compared objects as the sandbox's orgs hold it now."""
    out: dict[tuple[str, str], dict[str, SourceRecord]] = {}
    for spec in OBJECTS:
        if spec.crm not in crms:
            continue
        read = _salesforce_records if spec.crm == "salesforce" else _hubspot_records
        with sb.lock("salesforce" if spec.crm == "salesforce" else "hubspot"):
            out[(spec.crm, spec.object)] = read(sb, spec)
    return out


def _salesforce_records(sb: Sandbox, spec: ObjectMap) -> dict[str, SourceRecord]:
    from sandbox.salesforce.admin_actions import get
    from sandbox.salesforce.store import ABSENT, LIVE

    org: Any = sb.sf_org
    table = org.table(spec.object)
    found: dict[str, SourceRecord] = {}
    for row in range(len(table)):
        record_id = table.id_of(row)
        if table.state[row] == ABSENT:
            found[record_id] = SourceRecord("gone", {})
            continue
        raw = get(org, {"object": spec.object, "id": record_id})
        state: State = "live" if table.state[row] == LIVE else "deleted"
        found[record_id] = SourceRecord(state, {column: raw.get(name) for column, name in spec.fields.items()})
    return found


def _hubspot_records(sb: Sandbox, spec: ObjectMap) -> dict[str, SourceRecord]:
    store: Any = sb.hs_account.stores[spec.object]  # type: ignore[attr-defined]
    found: dict[str, SourceRecord] = {}
    for row in range(len(store.ids)):
        code = store.state[row]
        state: State = "live" if code == 1 else ("deleted" if code in (2, 3) else "gone")
        values = {column: store.value(row, name) for column, name in spec.fields.items()} if state == "live" else {}
        found[str(store.ids[row])] = SourceRecord(state, values)
    return found


# -- the store ---------------------------------------------------------------------------------------------------


def stored_records(engine: Engine, crms: Iterable[str]) -> tuple[dict[tuple[str, str], dict[str, StoredRecord]], Tally]:
    """Every row of the compared tables by (crm, object) and source id, and the duplicates found on the way."""
    out: dict[tuple[str, str], dict[str, StoredRecord]] = {}
    dupes = Tally()
    with engine.connect() as conn:
        for spec in OBJECTS:
            if spec.crm not in crms:
                continue
            columns = ", ".join(spec.fields)
            sql = f"SELECT source_id, deleted_at, {columns} FROM {spec.table} WHERE connection = :c"
            rows: dict[str, StoredRecord] = {}
            for row in conn.execute(text(sql), {"c": spec.crm}):
                source_id = str(row[0])
                if source_id in rows:
                    dupes.duplicated += 1
                    dupes.note(f"{spec.crm}.{spec.object} {source_id}: stored twice")
                rows[source_id] = StoredRecord(row[1] is None, dict(zip(spec.fields, row[2:], strict=True)))
            out[(spec.crm, spec.object)] = rows
    return out, dupes


# -- comparing ---------------------------------------------------------------------------------------------------


def compare(
    source: Mapping[tuple[str, str], Mapping[str, SourceRecord]],
    stored: Mapping[tuple[str, str], Mapping[str, StoredRecord]],
    *,
    skip: Mapping[tuple[str, str], set[str]] | None = None,
) -> Tally:
    """Every live source record must be stored live with equal values; nothing the CRM deleted may be live.

    `skip` lists records expected to be absent (malformed on purpose): they are neither expected nor missed.
    """
    tally = Tally()
    for key, records in source.items():
        held = stored.get(key, {})
        left_out = (skip or {}).get(key, set())
        name = f"{key[0]}.{key[1]}"
        for record_id, record in records.items():
            if record_id in left_out:
                continue
            row = held.get(record_id)
            if record.state == "live":
                tally.expected += 1
                if row is None or not row.live:
                    tally.missing += 1
                    tally.note(f"{name} {record_id}: {'not stored' if row is None else 'stored as deleted'}")
                    continue
                diff = differences(record.values, row.values)
                if diff:
                    tally.wrong += 1
                    tally.note(f"{name} {record_id}: {diff[0]}")
            elif row is not None and row.live:
                tally.wrong += 1
                tally.note(f"{name} {record_id}: {record.state} in the CRM, live in the store")
    return tally


def differences(source: Mapping[str, Any], stored: Mapping[str, Any]) -> list[str]:
    """The columns whose stored value is not the source's (as the store is expected to keep it)."""
    out = []
    for column, value in source.items():
        want, have = expected_value(column, value), normal(column, stored.get(column))
        if want != have:
            out.append(f"{column}: CRM {_short(want)}, store {_short(have)}")
    return out


def expected_value(column: str, value: Any) -> Any:
    """The CRM's value as the store keeps it: text cut to the column's size, instants and money normalised."""
    if isinstance(value, str) and column in TEXT_LIMITS:
        value = value[: TEXT_LIMITS[column]]
    return normal(column, value)


def normal(column: str, value: Any) -> Any:
    """A comparable form: aware datetimes to the millisecond, decimals without trailing zeros, '' as None."""
    if value is None or value == "":
        return None
    if column == "modstamp":
        return _instant(value)
    if column in ("amount", "total_price"):
        try:
            return Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            return str(value)
    return str(value) if not isinstance(value, str) else value


def _instant(value: Any) -> datetime | str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    else:
        raw = str(value).strip()
        if raw.isdigit():
            moment = datetime.fromtimestamp(int(raw) / 1000, tz=UTC)
        else:
            try:
                moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("+0000", "+00:00"))
            except ValueError:
                return raw
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
