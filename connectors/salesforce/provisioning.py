"""Creating write-back fields through the Tooling API and granting the integration user access to them.

A new custom field has no field-level security for anyone until a `FieldPermissions` row grants it, so
it is neither in describe nor writable until then: creation and grant go together.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from simple_salesforce.api import Salesforce

from connectors.base import FieldSpec
from connectors.errors import ConnectorError, DataError, FatalError, ProvisioningError
from connectors.salesforce.metadata_package import PERMISSION_SET, field_metadata
from connectors.salesforce.session import OrgSession
from connectors.salesforce.soql import string_literal
from connectors.salesforce.streams import DescribeFields
from connectors.salesforce.writer import COLLECTION_SIZE, batches_of


class FieldsRefusedError(ProvisioningError):
    """Salesforce refused to create or grant some fields; `fields` maps each to the reason."""

    def __init__(self, connection: str, obj: str, fields: Mapping[str, str]) -> None:
        listing = "; ".join(f"{name} ({why})" for name, why in fields.items())
        super().__init__(connection, f"cannot provision {obj} fields: {listing}", code="FIELDS_REFUSED")
        self.object = obj
        self.fields = dict(fields)


def create_fields(
    org: OrgSession, obj: str, fields: Sequence[FieldSpec], describe: Callable[[str], DescribeFields]
) -> list[str]:
    """Create the fields describe does not show yet and grant them; returns the names created.

    Raises:
        FieldsRefusedError: some fields could not be created or granted (the others were).
    """
    missing = [f for f in fields if f.name.lower() not in describe(obj)]
    refused: dict[str, str] = {}
    created: list[FieldSpec] = []
    for spec in missing:
        body = {"FullName": f"{obj}.{spec.name}", "Metadata": field_metadata(spec)}
        try:
            org.call(
                f"create field {obj}.{spec.name}",
                lambda sf, body=body: sf.toolingexecute("sobjects/CustomField", method="POST", data=body),  # type: ignore[misc]
            )
        except (FatalError, DataError) as exc:
            if exc.code != "DUPLICATE_DEVELOPER_NAME":  # exists but unseen: it only lacks the grant
                refused[spec.name] = _why(exc)
                continue
        created.append(spec)
    if created:
        refused |= grant_fields(org, obj, [f.name for f in created])
    if refused:
        raise FieldsRefusedError(org.name, obj, refused)
    return [f.name for f in created]


def _why(exc: ConnectorError) -> str:
    return f"{exc.code}: {exc.detail}" if exc.code else exc.detail


def permission_set_id(org: OrgSession) -> str:
    """The permission set to grant through: `AccountSync_Integration` if assigned to us, else our profile's."""
    user = org.token.user_id or org.conn.integration_user_id or _user_by_name(org)
    soql = (
        "SELECT PermissionSetId, PermissionSet.Name, PermissionSet.IsOwnedByProfile FROM PermissionSetAssignment "
        f"WHERE AssigneeId = {string_literal(user)}"
    )
    rows = org.call("find permission sets", lambda sf: sf.query(soql))["records"]
    if not rows:
        raise ProvisioningError(org.name, "the integration user has no permission set to grant field access through")

    def rank(row: Mapping[str, Any]) -> int:
        named = row.get("PermissionSet") or {}
        return 0 if named.get("Name") == PERMISSION_SET else 1 if named.get("IsOwnedByProfile") else 2

    return str(min(rows, key=rank)["PermissionSetId"])


def _user_by_name(org: OrgSession) -> str:
    if not org.conn.username:
        raise ProvisioningError(org.name, "set integration_user_id to let accountsync grant field access")
    soql = f"SELECT Id FROM User WHERE Username = {string_literal(org.conn.username)}"
    rows = org.call("find integration user", lambda sf: sf.query(soql))["records"]
    if not rows:
        raise ProvisioningError(org.name, f"user {org.conn.username} not found")
    return str(rows[0]["Id"])


def _collection_post(body: dict[str, Any]) -> Callable[[Salesforce], Any]:
    """One sObject Collections create call for `body` (bound now: the loop's next body must not leak in)."""
    return lambda sf: sf.restful("composite/sobjects", method="POST", json=body)


def grant_fields(org: OrgSession, obj: str, names: Sequence[str]) -> dict[str, str]:
    """Read and edit on each field for our permission set, 200 a collection call (its limit); returns refusals."""
    parent = permission_set_id(org)
    refused = {}
    for batch in batches_of(names, COLLECTION_SIZE):
        records = [
            {"attributes": {"type": "FieldPermissions"}, "ParentId": parent, "SobjectType": obj,
             "Field": f"{obj}.{name}", "PermissionsRead": True, "PermissionsEdit": True}
            for name in batch
        ]  # fmt: skip
        body = {"allOrNone": False, "records": records}
        answers = org.call("grant field access", _collection_post(body))
        for name, answer in zip(batch, answers or [], strict=False):
            errors = answer.get("errors") or []
            if not answer.get("success") and not any(e.get("statusCode") == "DUPLICATE_VALUE" for e in errors):
                first = errors[0] if errors else {}
                refused[name] = f"grant refused: {first.get('statusCode', 'UNKNOWN')}: {first.get('message', '')}"
    return refused
