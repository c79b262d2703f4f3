"""Deals with their companies and stage history, merged companies, pipelines, and records or fields that
cannot be read while the rest of the stream goes on."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from connectors.base import Record, StreamSpec, Window
from connectors.hubspot import HubSpotConnector
from sandbox.hubspot.store import LIVE
from sandbox.server import Sandbox

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _recent() -> Window:
    return Window(datetime.now(UTC) - timedelta(minutes=5), datetime.now(UTC) + timedelta(seconds=1))


def _first_live(sb: Sandbox, obj: str, n: int) -> list[str]:
    store = sb.hs_account.stores[obj]
    return [str(store.ids[r]) for r in range(len(store.ids)) if store.state[r] == LIVE][:n]


def _records(hs: HubSpotConnector, spec: StreamSpec, window: Window) -> dict[str, Record]:
    return {r["id"]: r for page in hs.read(spec, window) for r in page.records}


def test_a_deal_keeps_every_associated_company_with_the_primary_first(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    deal = _first_live(sb, "deals", 1)[0]
    extra_a, extra_b = _first_live(sb, "companies", 60)[-2:]
    sb.admin("associate", "hubspot", deal=deal, company=extra_a, primary=False)
    sb.admin("associate", "hubspot", deal=deal, company=extra_b, primary=True)
    sb.admin("set_association_page_size", "hubspot", size=1)  # every extra company is one more page
    sb.admin("update", "hubspot", object="deals", id=deal, fields={"dealname": "Three companies"})
    hs = connector(sb)
    record = _records(hs, hs.streams(["deals"])[0], _recent())[deal]
    links = record["_associations"]
    assert links["primary_company"] == extra_b
    assert links["companies"][0] == extra_b
    assert set(links["companies"]) >= {extra_a, extra_b}
    assert len(links["companies"]) == len(set(links["companies"])) >= 3


def test_stage_history_is_the_whole_sequence_oldest_first(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    deal = _first_live(sb, "deals", 1)[0]
    for stage in ("qualifiedtobuy", "contractsent", "qualifiedtobuy", "closedwon"):
        sb.admin("update", "hubspot", object="deals", id=deal, fields={"dealstage": stage})
    hs = connector(sb)
    record = _records(hs, hs.streams(["deals"])[0], _recent())[deal]
    history = record["_stage_history"]
    assert [stage for stage, _ in history[-4:]] == ["qualifiedtobuy", "contractsent", "qualifiedtobuy", "closedwon"]
    entered = [at for _, at in history]
    assert entered == sorted(entered)
    assert record["dealstage"] == "closedwon"
    # hs_v2_date_entered_* keeps only the latest entry: the history is what has the first one.
    assert record["hs_v2_date_entered_qualifiedtobuy"] == history[-2][1]


def test_a_merged_company_follows_its_survivor(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    survivor, victim = _first_live(sb, "companies", 2)
    sb.admin("merge", "hubspot", object="companies", survivor=survivor, victim=victim)
    hs = connector(sb)
    spec = hs.streams(["companies"])[0]
    recent = _records(hs, spec, _recent())
    assert victim in recent[survivor]["_merged_from"]
    assert victim in recent[survivor]["hs_merged_object_ids"].split(";")
    everything = _records(hs, spec, Window(None, NOW))
    assert victim not in everything


def test_pipelines_give_each_stage_with_closed_and_won(shared_sandbox, connector) -> None:
    hs = connector(shared_sandbox)
    spec = hs.streams(["pipelines"])[0]
    assert not spec.incremental
    assert hs.count(spec, Window(None, NOW)) is None
    stages = _records(hs, spec, Window(None, NOW))
    assert len(stages) == 12
    won, lost, open_ = stages["closedwon"], stages["closedlost"], stages["qualifiedtobuy"]
    assert (won["isClosed"], won["isWon"], won["probability"]) == (True, True, Decimal("1.0"))
    assert (lost["isClosed"], lost["isWon"]) == (True, False)
    assert (open_["isClosed"], open_["isWon"], open_["pipeline"]) == (False, False, "default")
    assert stages["75287964"]["isWon"]
    assert stages["75287964"]["pipelineLabel"] == "Renewals"
    assert (stages["75287964"]["pipelineDisplayOrder"], stages["closedwon"]["pipelineDisplayOrder"]) == (1, 0)


def test_a_value_that_does_not_convert_is_passed_on_as_sent_and_the_page_goes_on(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    odd, fine = _first_live(sb, "companies", 2)
    sb.admin("update", "hubspot", object="companies", id=odd, fields={"numberofemployees": "12.5"})
    sb.admin("update", "hubspot", object="companies", id=fine, fields={"numberofemployees": "12"})
    hs = connector(sb)
    pages = list(hs.read(hs.streams(["companies"])[0], _recent()))
    assert [s for p in pages for s in p.skipped] == []
    records = {r["id"]: r for p in pages for r in p.records}
    assert records[odd]["numberofemployees"] == "12.5"  # the store keeps that field empty, with a warning
    assert records[fine]["numberofemployees"] == 12


def test_a_removed_property_fails_only_that_field(fresh_sandbox, connector) -> None:
    sb = fresh_sandbox()
    hs = connector(sb)
    spec = hs.streams(["companies"], extra_fields={"companies": ["not_a_property"]})[0]
    assert "industry" in spec.fields
    assert "not_a_property" not in spec.fields
    sb.admin("remove_field", "hubspot", object="companies", field="industry")
    pages = list(hs.read(spec, Window(None, NOW)))
    assert set(pages[0].field_errors) == {"industry", "not_a_property"}
    assert "industry" in pages[0].field_errors["industry"]
    records = [r for p in pages for r in p.records if not r["archived"]]
    assert records
    assert all("industry" not in r and r["name"] for r in records)


def _enrichment_calls(sb: Sandbox) -> int:
    """Batch reads of deals' stage histories and of their companies the sandbox has answered."""
    return sum(1 for e in list(sb.log.recent) if e.method == "POST" and "/batch/read" in e.path and e.status == 200)


def test_the_next_pages_companies_and_histories_are_read_while_a_page_is_held(shared_sandbox, connector) -> None:
    """A full read of deals hands page 1 over and, while the caller still holds it (storing it), asks for the
    companies and stage histories of the pages after it: held, the old reader had sent none past page 1's two."""
    hs = connector(shared_sandbox)
    spec = hs.streams(["deals"])[0]
    shared_sandbox.log.reset()
    pages = hs.read(spec, Window(None, datetime.now(UTC)))

    first = next(pages)  # the caller holds page 1 and reads nothing more
    deadline = time.monotonic() + 10
    while _enrichment_calls(shared_sandbox) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)

    assert first.records, "page 1 carries deals"
    assert _enrichment_calls(shared_sandbox) >= 4, "page 2's histories and companies were read ahead"
    rest = [page for page in pages if page.position.mode == "list"]
    seen = [r["id"] for page in [first, *rest] for r in page.records]
    assert len(seen) == len(set(seen)), "every deal once, in page order"
    assert all("_stage_history" in r and "_associations" in r for page in rest for r in page.records)
