"""What a CRM says about naming and linking its records: the address of an account's page, and owner names."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["RECORD_ID", "Directory"]

RECORD_ID = "{id}"  # where the record id goes in `Directory.account_url`


@dataclass(frozen=True, slots=True)
class Directory:
    """`account_url` with `{id}` for the account/company id (None when the CRM did not say); owner id -> name."""

    account_url: str | None
    owners: dict[str, str] = field(default_factory=dict)
