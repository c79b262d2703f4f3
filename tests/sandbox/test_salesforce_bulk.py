"""Bulk API 2.0 through `sf.bulk2`: query jobs in CSV pages, version pinning, failures, and ingest jobs."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceOperationError

from sandbox.server import Sandbox

WAIT = 0.05  # simple-salesforce sleeps this long before its first poll (5 s by default)


def rows(page: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(page)))


def jobs_url(sandbox: Sandbox, version: str = "62.0") -> str:
    return f"{sandbox.sf_url}/services/data/v{version}/jobs/query"


def auth(sf: Salesforce) -> dict[str, str]:
    return {"Authorization": f"Bearer {sf.session_id}", "Content-Type": "application/json"}


def test_bulk_query_pages_csv_with_locators_and_matches_rest(sf: Salesforce, http: requests.Session) -> None:
    seen: list[requests.Response] = []
    http.hooks["response"].append(
        lambda r, *a, **k: seen.append(r) if r.url.split("?")[0].endswith("/results") else None
    )
    soql = "SELECT Id, Name, Owner.Email, AnnualRevenue, CreatedDate FROM Account"
    pages = list(sf.bulk2.Account.query(soql, max_records=50, wait=WAIT))
    records = [r for page in pages for r in rows(page)]
    rest = sf.query_all(soql)["records"]
    assert len(pages) == -(-len(rest) // 50) > 1
    assert [r["Id"] for r in records] == [r["Id"] for r in rest]
    assert records[0]["Owner.Email"] == rest[0]["Owner"]["Email"]
    assert records[0]["CreatedDate"].endswith(".000Z") or records[0]["CreatedDate"].endswith("Z")
    assert pages[0].startswith('"Id","Name","Owner.Email","AnnualRevenue","CreatedDate"\n')
    assert [r.headers["Sforce-NumberOfRecords"] for r in seen][-1] == str(len(rest) % 50 or 50)
    assert seen[-1].headers["Sforce-Locator"] == "null"
    assert seen[0].headers["Sforce-Locator"] != "null"


def test_job_create_answers_json_even_when_csv_is_accepted(
    sandbox: Sandbox, sf: Salesforce, http: requests.Session
) -> None:
    headers = auth(sf) | {"Accept": "text/csv"}
    job = http.post(jobs_url(sandbox), json={"operation": "query", "query": "SELECT Id FROM User"}, headers=headers)
    assert job.status_code == 200
    assert job.headers["Content-Type"].startswith("application/json")
    body = job.json()
    assert body["id"].startswith("750")
    assert body["state"] == "UploadComplete"
    assert body["apiVersion"] == 62.0
    assert {"operation", "object", "createdById", "createdDate", "concurrencyMode", "lineEnding"} <= set(body)


def test_results_must_be_read_with_the_version_the_job_was_created_with(
    sandbox: Sandbox, sf: Salesforce, http: requests.Session
) -> None:
    job = http.post(jobs_url(sandbox), json={"operation": "query", "query": "SELECT Id FROM User"}, headers=auth(sf))
    job_id = job.json()["id"]
    states = [http.get(f"{jobs_url(sandbox)}/{job_id}", headers=auth(sf)).json()["state"] for _ in range(2)]
    assert states == ["InProgress", "JobComplete"]
    other = http.get(f"{jobs_url(sandbox, '61.0')}/{job_id}/results", headers=auth(sf))
    assert other.status_code == 409
    same = http.get(f"{jobs_url(sandbox)}/{job_id}/results", headers=auth(sf))
    assert same.status_code == 200
    assert same.headers["Sforce-Locator"] == "null"
    assert same.headers["Sforce-NumberOfRecords"] == str(len(rows(same.text)))


def test_query_all_job_includes_deleted_rows(sandbox: Sandbox, sf: Salesforce) -> None:
    gone = sf.Account.create({"Name": "Bulk Gone"})["id"]
    sf.Account.delete(gone)
    soql = f"SELECT Id, IsDeleted FROM Account WHERE Id = '{gone}'"
    assert [r for page in sf.bulk2.Account.query(soql, wait=WAIT) for r in rows(page)] == []
    every = [r for page in sf.bulk2.Account.query_all(soql, wait=WAIT) for r in rows(page)]
    assert every == [{"Id": gone, "IsDeleted": "true"}]


def test_aggregate_queries_are_refused_at_job_creation(
    sandbox: Sandbox, sf: Salesforce, http: requests.Session
) -> None:
    job = http.post(
        jobs_url(sandbox), json={"operation": "query", "query": "SELECT COUNT() FROM Account"}, headers=auth(sf)
    )
    assert job.status_code == 400
    assert job.json()[0]["errorCode"] == "API_ERROR"


def test_a_failed_job_reports_its_error_message(sandbox: Sandbox, sf: Salesforce, http: requests.Session) -> None:
    job_id = http.post(
        jobs_url(sandbox), json={"operation": "query", "query": "SELECT Id FROM Account"}, headers=auth(sf)
    ).json()["id"]
    sandbox.admin("fail_job", "salesforce", id=job_id, message="InternalServerError : retried 15 times")
    states = [http.get(f"{jobs_url(sandbox)}/{job_id}", headers=auth(sf)).json() for _ in range(2)]
    assert states[-1]["state"] == "Failed"
    assert states[-1]["errorMessage"] == "InternalServerError : retried 15 times"


def test_sdk_raises_when_its_job_fails(sandbox: Sandbox, sf: Salesforce, http: requests.Session) -> None:
    def fail_new_jobs(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if response.request.method == "POST" and response.url.endswith("/jobs/query"):
            sandbox.admin("fail_job", "salesforce", id=response.json()["id"])

    http.hooks["response"].append(fail_new_jobs)
    with pytest.raises(SalesforceOperationError, match="Job failure"):
        list(sf.bulk2.Account.query("SELECT Id FROM Account", wait=WAIT))


def test_ingest_updates_records_and_reports_successes_and_failures(sandbox: Sandbox, sf: Salesforce) -> None:
    kept = sf.Account.create({"Name": "Ingest Kept"})["id"]
    gone = sf.Account.create({"Name": "Ingest Gone"})["id"]
    sf.Account.delete(gone)
    (result,) = sf.bulk2.Account.update(
        records=[{"Id": kept, "NumberOfEmployees": "77"}, {"Id": gone, "NumberOfEmployees": "78"}], wait=WAIT
    )
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (2, 1)
    assert sf.Account.get(kept)["NumberOfEmployees"] == 77
    outcome = sf.bulk2.Account.get_all_ingest_records(result["job_id"])
    assert [r["sf__Id"] for r in outcome["successfulRecords"]] == [kept]
    assert outcome["failedRecords"][0]["sf__Error"].startswith("ENTITY_IS_DELETED:entity is deleted")
    assert outcome["unprocessedRecords"] == []
