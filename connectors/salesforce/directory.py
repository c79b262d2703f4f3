"""The org's directory: an Account's Lightning page under the instance URL, and its users' names."""

from __future__ import annotations

from typing import Any

from connectors.directory import RECORD_ID, Directory

__all__ = ["USERS_SOQL", "read_directory"]

USERS_SOQL = "SELECT Id, Name FROM User"


def read_directory(org: Any) -> Directory:
    """`{instance}/lightning/r/Account/{id}/view` (the instance URL the OAuth token gave) and User Id -> Name
    (record owners are users; inactive ones included, as old records keep them)."""
    rows = org.call("read users", lambda sf: sf.query_all(USERS_SOQL))["records"]
    owners = {str(row["Id"]): str(row["Name"]) for row in rows if row.get("Id") and row.get("Name")}
    instance = org.token.instance_url.rstrip("/")
    return Directory(f"{instance}/lightning/r/Account/{RECORD_ID}/view", owners)
