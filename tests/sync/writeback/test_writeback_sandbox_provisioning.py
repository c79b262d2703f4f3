"""Write-back provisioning through the sandbox: HubSpot properties in the group `accountsync`, Salesforce custom
fields through the Tooling API with their field-level security, or a stop before anything is written."""

from __future__ import annotations

from pathlib import Path

import httpx

from connectors.salesforce import connect as connect_salesforce
from tests.sync.conftest_writeback import HS_FIELDS, SF_FIELDS, WbEnv, insert_scores, seeded_figures

HS_TYPES = {"score": ("number", "number"), "tier": ("string", "text"), "rank": ("number", "number"),
            "reasons": ("string", "textarea"), "health": ("number", "number")}  # fmt: skip
SF_TYPES = {"score": "double", "tier": "string", "rank": "double", "reasons": "textarea", "health": "double"}


def _scored(wb: WbEnv) -> None:
    wb.pull()
    insert_scores(wb.engine, seeded_figures(wb.keys(), 5))


def _hs_property(wb: WbEnv, path: str) -> dict[str, object]:
    headers = {"Authorization": f"Bearer {wb.sb.credentials.hs_token}"}
    with httpx.Client(base_url=wb.sb.hs_url, verify=wb.sb.ssl_context(), headers=headers) as client:
        answer = client.get(path)
    answer.raise_for_status()
    return dict(answer.json())


def test_writeback_provisions_hubspot_properties_in_group_accountsync_and_salesforce_fields_with_access(
    sqlite_url, make_wb
) -> None:
    wb = make_wb(sqlite_url, accounts=60)
    _scored(wb)
    assert wb.writeback().status == "succeeded"
    group = _hs_property(wb, "/crm/v3/properties/companies/groups/accountsync")
    assert group["name"] == "accountsync"
    for figure, name in HS_FIELDS.items():
        prop = _hs_property(wb, f"/crm/v3/properties/companies/{name}")
        assert (prop["groupName"], (prop["type"], prop["fieldType"])) == ("accountsync", HS_TYPES[figure])
    connector = connect_salesforce("sf", wb.deployment.connections["sf"])  # type: ignore[arg-type]
    try:
        described = connector.describe("Account").fields
        soql = "SELECT Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE SobjectType = 'Account'"
        grants = connector.org.call("grants", lambda sf: sf.query(soql))["records"]
    finally:
        connector.close()
    for figure, name in SF_FIELDS.items():
        info = described[name]
        assert (info.type, info.custom, info.updateable) == (SF_TYPES[figure], True, True)
    granted = {g["Field"] for g in grants if g["PermissionsRead"] and g["PermissionsEdit"]}
    assert {f"Account.{name}" for name in SF_FIELDS.values()} <= granted


def test_writeback_stops_before_writing_anything_when_salesforce_fields_are_missing_and_creation_is_off(
    sqlite_url, make_wb, tmp_path: Path
) -> None:
    wb = make_wb(sqlite_url, accounts=60, sf_create=False, hs_first=True)  # HubSpot's target comes first
    _scored(wb)
    wb.sb.reset()
    cli = wb.cli("writeback", "wb", "-c", str(wb.config))
    out, err = cli.communicate(timeout=120)
    assert cli.returncode == 1, (out, err)
    text = " ".join((out + err).decode().split())
    assert f"missing fields on Account: {', '.join(SF_FIELDS.values())} (creation not allowed)" in text
    routes = wb.sb.stats()["routes"]
    changed = {crm: [r for r in routes.get(crm, {}) if not r.startswith("GET ") and "oauth2" not in r]
               for crm in ("salesforce", "hubspot")}  # fmt: skip
    assert changed == {"salesforce": [], "hubspot": []}  # no property, no field, no value written
    package = wb.config.parent / "sfdx" / "sf-Account"
    assert f"{package}" in text
    fields = package / "force-app" / "main" / "default" / "objects" / "Account" / "fields"
    assert sorted(p.name for p in fields.iterdir()) == sorted(f"{n}.field-meta.xml" for n in SF_FIELDS.values())
    assert (package / "package.xml").is_file()
