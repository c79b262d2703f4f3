"""A job run reads each CRM's directory through its API: the account page address (Salesforce instance URL from
the OAuth token + /lightning/r/Account/ID/view; HubSpot app domain + /contacts/PORTAL/company/ID from the account
details) and the owners' names; the account page links each record and names its owner. Checked against what
the real SDKs (simple-salesforce, hubspot-api-client) and a plain HTTP call read from the sandbox."""

from __future__ import annotations

import ssl
import warnings

import httpx

from accountsync.api import ApiState
from accountsync.web import create_app
from sync.access import create_token
from sync.pull.directory import load_directories
from sync.serve import DeploymentHolder
from tests.sync.conftest_writeback import JOB, crm_sdks

with warnings.catch_warnings():  # starlette wants `httpx2` for its test client; httpx works (tests/service/conftest)
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def test_a_job_run_keeps_each_crms_links_and_owner_names(make_wb, sqlite_url) -> None:
    wb = make_wb(sqlite_url, accounts=30)
    done = wb.run_cli("run", JOB, "-c", str(wb.config))
    assert done.exit_code == 0, done.output
    directories = load_directories(wb.engine)
    with crm_sdks(wb) as (sf, hs):
        users = {r["Id"]: r["Name"] for r in sf.query_all("SELECT Id, Name FROM User")["records"]}
        instance = f"https://{sf.sf_instance}"
        owners = {}
        for archived in (False, True):
            for o in hs.crm.owners.owners_api.get_page(limit=500, archived=archived).results:
                owners[o.id] = " ".join(p for p in (o.first_name, o.last_name) if p) or o.email
    tls = ssl.create_default_context(cafile=str(wb.sb.ca_path))
    details = httpx.get(f"{wb.sb.hs_url}/account-info/v3/details", verify=tls,
                        headers={"Authorization": f"Bearer {wb.sb.credentials.hs_token}"}).json()  # fmt: skip
    assert directories["sf"].account_url == f"{instance}/lightning/r/Account/{{id}}/view"
    assert directories["sf"].owners == users
    assert directories["hs"].account_url == f"https://app.hubspot.com/contacts/{details['portalId']}/company/{{id}}"
    assert directories["hs"].owners == owners

    live = wb.live("sf") + wb.live("hs")
    both = next(k for k in {r.account_key for r in live} if {r.connection for r in live if r.account_key == k}
                == {"sf", "hs"})  # fmt: skip
    records = {r.connection: r for r in live if r.account_key == both}
    token = create_token(wb.engine, name="viewer", role="viewer")
    client = TestClient(create_app(ApiState(wb.engine, DeploymentHolder(lambda: wb.deployment))))
    page = client.get(f"/accounts/{both}", headers={"Authorization": f"Bearer {token}"}).text
    assert f'href="{instance}/lightning/r/Account/{records["sf"].source_id}/view"' in page
    assert f'href="https://app.hubspot.com/contacts/{details["portalId"]}/company/{records["hs"].source_id}"' in page
    merged_owner = {r.owner for r in records.values()}
    names = {users.get(o) or owners.get(o) for o in merged_owner if o}
    assert any(f'id="account-owner">{name}<' in page for name in names if name), (names, merged_owner)
