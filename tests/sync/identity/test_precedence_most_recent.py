"""`most_recent` precedence over the fake CRMs: per field, the value changed last wins, not the record touched
last. Our own write-back moves both records' modstamps without changing a value, and must decide nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from config import Deployment, Job, load_deployment
from connectors import FieldInfo, RecordUpdate, WriteResult
from sync import Account, SourceAccount, session, utcnow
from sync.jobs import run_pipeline, run_sync
from tests.fakes import STAMP_FIELD, T0, FakeConnector, FakeCrm, hs_company, sf_account
from tests.sync.conftest import DEPLOYMENT_YAML

MOST_RECENT_YAML = DEPLOYMENT_YAML.replace(
    "    precedence: {industry: hubspot, employees: most_recent}\n",
    """    precedence: {industry: most_recent, name: most_recent}
    writeback:
      - connection: sf
        object: Account
        fields: {score: Score__c, tier: Tier__c}
      - connection: hs
        object: companies
        fields: {score: accountsync_score, tier: accountsync_tier}
scoring:
  icp:
    - points: 100
      industries: [Technology]
""",
)
SF_ID = sf_account(1, T0)["Id"]
HS_ID = hs_company(1, T0)["hs_object_id"]
KEY = f"sf:{SF_ID}"
AS_OF = date(2026, 11, 1)


class StampingConnector(FakeConnector):
    """A CRM moves a record's modstamp on every write, ours included (nothing else of the record changes)."""

    def write(self, obj: str, updates: Sequence[RecordUpdate]) -> Iterator[list[WriteResult]]:
        for results in super().write(obj, updates):
            for result in results:
                if result.ok:
                    self.state.objects[obj][result.record_id][STAMP_FIELD[self.state.crm]] = utcnow()
            yield results


@pytest.fixture
def most_recent(tmp_path: Any) -> Deployment:
    path = tmp_path / "deploy.yaml"
    path.write_text(MOST_RECENT_YAML)
    return load_deployment(path, {})


@pytest.fixture
def stamping(crms: dict[str, FakeCrm]) -> Any:
    def build(_deployment: Deployment, name: str, _job: Job) -> FakeConnector:
        return StampingConnector(crms[name])

    return build


def _pair(crms: dict[str, FakeCrm]) -> None:
    """One company in both CRMs (same domain): Salesforce's industry was set after HubSpot's."""
    crms["sf"].put("Account", sf_account(1, T0 + timedelta(days=2), Industry="Technology", Website="acme1.com"))
    crms["hs"].put("companies", hs_company(1, T0 + timedelta(days=1), industry="COMPUTER_SOFTWARE"))
    crms["sf"].schema["Account"] = {"Score__c": FieldInfo("Score__c", "double"),
                                    "Tier__c": FieldInfo("Tier__c", "string", length=1)}  # fmt: skip


def _touch(crm: FakeCrm, obj: str, record_id: str, **values: Any) -> datetime:
    """The CRM's record edited now (inside the next pull's window), setting `values`; returns its new modstamp."""
    stamp = utcnow()
    crm.objects[obj][record_id].update(values, **{STAMP_FIELD[crm.crm]: stamp})
    return stamp


def _utc(text: str) -> datetime:
    """A stored stamp: ISO text with an offset (PostgreSQL), or SQLite's naive UTC."""
    stamp = datetime.fromisoformat(text)
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp


def _account(engine: Any) -> Account:
    with session(engine) as s:
        return s.exec(select(Account).where(Account.key == KEY)).one()


def test_most_recent_takes_the_value_changed_last_not_the_record_touched_last(
    most_recent, store, crms, factory
) -> None:
    _pair(crms)
    run_sync(most_recent, "nightly", engine=store, factory=factory)
    assert _account(store).industry == "Technology"
    _touch(crms["hs"], "companies", HS_ID, accountsync_score=42.0)  # our write-back

    summary = run_sync(most_recent, "nightly", engine=store, factory=factory)

    assert summary.streams["hs.companies"]["read"] == 1, "the touched record was pulled again"
    assert _account(store).industry == "Technology"


def test_a_rep_changing_the_industry_later_in_one_crm_wins(most_recent, store, crms, factory) -> None:
    _pair(crms)
    run_sync(most_recent, "nightly", engine=store, factory=factory)
    _touch(crms["hs"], "companies", HS_ID, industry="MACHINERY")  # a rep's edit
    run_sync(most_recent, "nightly", engine=store, factory=factory)
    assert _account(store).industry == "MACHINERY"
    _touch(crms["sf"], "Account", SF_ID, Score__c=42.0)  # then our write-back to Salesforce

    run_sync(most_recent, "nightly", engine=store, factory=factory)

    assert _account(store).industry == "MACHINERY"


def test_a_rename_in_one_crm_does_not_make_its_unchanged_industry_recent(most_recent, store, crms, factory) -> None:
    _pair(crms)
    run_sync(most_recent, "nightly", engine=store, factory=factory)
    _touch(crms["hs"], "companies", HS_ID, name="Acme One")  # a rep renames in HubSpot

    run_sync(most_recent, "nightly", engine=store, factory=factory)

    account = _account(store)
    assert (account.name, account.industry) == ("Acme One", "Technology")


def test_each_field_keeps_the_modstamp_of_the_pull_that_changed_it(most_recent, store, crms, factory) -> None:
    _pair(crms)
    run_sync(most_recent, "nightly", engine=store, factory=factory)
    renamed = _touch(crms["hs"], "companies", HS_ID, name="Acme One")
    run_sync(most_recent, "nightly", engine=store, factory=factory)
    written = _touch(crms["hs"], "companies", HS_ID, accountsync_score=42.0)

    run_sync(most_recent, "nightly", engine=store, factory=factory)

    with session(store) as s:
        row = s.exec(select(SourceAccount).where(SourceAccount.source_id == HS_ID)).one()
    changed = {name: _utc(text) for name, text in (row.field_changed_at or {}).items()}
    assert changed["name"] == renamed
    assert changed["industry"] == changed["domain"] == T0 + timedelta(days=1)
    assert row.modstamp == written


def test_an_untouched_rerun_writes_nothing(most_recent, store, crms, stamping) -> None:
    _pair(crms)
    first = run_pipeline(most_recent, "nightly", engine=store, as_of=AS_OF, factory=stamping)
    assert first.writeback is not None
    assert first.writeback.status == "succeeded"
    assert [len(crms[c].write_calls) for c in ("sf", "hs")] == [1, 1]  # both records' modstamps moved
    assert _account(store).industry == "Technology"

    second = run_pipeline(most_recent, "nightly", engine=store, as_of=AS_OF, factory=stamping)

    assert second.sync.streams["hs.companies"]["read"] == 1, "our own write was pulled back"
    assert _account(store).industry == "Technology"
    assert [len(crms[c].write_calls) for c in ("sf", "hs")] == [1, 1]
