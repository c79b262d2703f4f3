"""Write-back fields: created through the Tooling API and granted, or refused with a package to deploy."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # parsing files this test just wrote
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.base import FieldSpec, RecordUpdate
from connectors.salesforce import FieldsRefusedError, SalesforceConnector, connect, write_metadata_package

from .conftest import FAST_RETRY, SfConn, make_accounts

SF = "salesforce"
NS = {"m": "http://soap.sforce.com/2006/04/metadata"}
FIELDS = [
    FieldSpec("AccountSync_Score__c", "AccountSync Score", "number", precision=5, scale=1),
    FieldSpec("AccountSync_Tier__c", "AccountSync Tier", "text", length=1),
    FieldSpec("AccountSync_Reasons__c", "AccountSync Reasons", "longtext"),
]


def test_created_fields_are_granted_visible_and_writable(fresh_sandbox: Any, sf_conn: SfConn) -> None:
    connector = connect("sandbox-sf", sf_conn(), retry=FAST_RETRY)
    try:
        assert "AccountSync_Score__c" not in connector.describe("Account").fields
        connector.create_fields("Account", FIELDS)
        schema = connector.describe("Account").fields
        assert schema["AccountSync_Score__c"].type == "double"
        assert schema["AccountSync_Reasons__c"].type == "textarea"
        assert all(schema[f.name].updateable for f in FIELDS)
        [record] = make_accounts(fresh_sandbox, [datetime.now(UTC) - timedelta(days=1)], "Scored")
        [results] = list(connector.write("Account", [RecordUpdate(record, {"AccountSync_Score__c": 87.5})]))
        assert results[0].ok, results[0]
        connector.create_fields("Account", FIELDS)  # idempotent: nothing left to create
    finally:
        connector.close()


def test_a_refused_creation_lists_the_fields(sandbox: Any, sf: SalesforceConnector, tmp_path: Path) -> None:
    sandbox.add_fault(crm=SF, kind="status", code=400, path="/services/data/v62.0/tooling/sobjects/CustomField")
    with pytest.raises(FieldsRefusedError) as caught:
        sf.create_fields("Account", FIELDS[:2])
    assert set(caught.value.fields) == {"AccountSync_Score__c", "AccountSync_Tier__c"}
    assert "AccountSync_Score__c (INVALID_INPUT" in str(caught.value)


def test_the_metadata_package_is_an_sfdx_source_tree(tmp_path: Path) -> None:
    root = write_metadata_package("Account", FIELDS, tmp_path / "pkg")
    field = ET.parse(root / "force-app/main/default/objects/Account/fields/AccountSync_Score__c.field-meta.xml")  # noqa: S314
    values = {child.tag.split("}")[1]: child.text for child in field.getroot()}
    assert values == {"fullName": "AccountSync_Score__c", "label": "AccountSync Score", "type": "Number",
                      "precision": "5", "scale": "1", "required": "false", "externalId": "false"}  # fmt: skip
    package = ET.parse(root / "package.xml").getroot()  # noqa: S314
    members = [m.text for m in package.findall("m:types/m:members", NS)]
    assert members[:3] == [f"Account.{f.name}" for f in FIELDS]
    assert package.findtext("m:version", namespaces=NS) == "62.0"
    sets = root / "force-app/main/default/permissionsets"
    grants = ET.parse(sets / "AccountSync_Integration.permissionset-meta.xml")  # noqa: S314
    assert len(grants.getroot().findall("m:fieldPermissions", NS)) == 3
    assert (root / "sfdx-project.json").is_file()
