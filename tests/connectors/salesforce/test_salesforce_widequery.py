"""A stream with more fields than one query URL carries: split into groups that fit, joined back on Id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors.base import FieldSpec, Window
from connectors.salesforce import connect
from connectors.salesforce.widequery import field_groups, id_batches

from .conftest import FAST_RETRY, SfConn

END = datetime(2027, 1, 1, tzinfo=UTC)
WIDE = [f"Wide_Metric_Field_{n:03d}__c" for n in range(520)]  # ~14,000 URL-encoded characters of field names


def test_fields_that_fit_stay_one_group_and_others_split_each_keeping_id_and_cursor() -> None:
    names = ["Id", "SystemModstamp", *(f"F{n}" for n in range(10))]
    assert field_groups(names, ("Id", "SystemModstamp"), lambda fields: True) == [tuple(names)]
    groups = field_groups(names, ("Id", "SystemModstamp"), lambda fields: len(fields) <= 5)
    assert all(g[:2] == ("Id", "SystemModstamp") and len(g) <= 5 for g in groups)
    assert [f for g in groups for f in g[2:]] == names[2:]


def test_id_batches_keep_every_id_once_within_the_budget() -> None:
    ids = [f"001000000000{n:03d}AAA" for n in range(300)]
    batches = list(id_batches(ids, fixed=100, budget=1_000))
    assert [i for b in batches for i in b] == ids
    assert all(100 + len(b) * 27 <= 1_000 for b in batches)


def test_a_stream_wider_than_a_url_is_read_in_field_groups_with_every_value(
    fresh_sandbox: Any, sf_conn: SfConn
) -> None:
    connector = connect("sandbox-sf", sf_conn(), retry=FAST_RETRY, extra_fields={"Account": WIDE})
    connector.create_fields("Account", [FieldSpec(name, name, "number") for name in WIDE])
    table = fresh_sandbox.sf_org.table("Account")
    live = list(table.rows(False))
    for n, row in enumerate(live):
        fresh_sandbox.admin("update", "salesforce", object="Account", id=table.id_of(row),
                            fields={WIDE[0]: n, WIDE[-1]: n * 10})  # fmt: skip
    [spec] = connector.streams(["Account"])
    fresh_sandbox.log.reset()
    pages = list(connector.read(spec, Window(None, END)))
    connector.close()
    read = {r["Id"]: r for p in pages for r in p.records}
    assert {table.id_of(r) for r in live} <= set(read)
    for n, row in enumerate(live):
        record = read[table.id_of(row)]
        assert (record[WIDE[0]], record[WIDE[-1]]) == (n, n * 10)
    statuses = fresh_sandbox.stats()["statuses"]["salesforce"]
    assert set(statuses) == {"200"}  # no 414: every query's URL fit
