"""CampaignMember's rules (see `sandbox.salesforce.campaigns`): one subject per member, once per campaign."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sandbox.salesforce.campaigns import SUBJECTS
from sandbox.salesforce.dml import Change, RecordError

if TYPE_CHECKING:
    from sandbox.salesforce.org import SalesforceOrg

__all__ = ["validate_member"]


def validate_member(org: SalesforceOrg, change: Change) -> None:
    """One subject (a contact or an account) per member, and a subject once per campaign."""
    table, row = change.table, change.row
    values = {name: change.values[name] if name in change.values else table.get(row, name) if row is not None
              else None for name in ("CampaignId", *SUBJECTS)}  # fmt: skip
    given = [name for name in SUBJECTS if values[name] is not None]
    if len(given) != 1:
        message = "Required fields are missing: [ContactId, AccountId]" if not given else (
            "A campaign member can be a contact or an account, not both")  # fmt: skip
        raise RecordError("REQUIRED_FIELD_MISSING" if not given else "FIELD_INTEGRITY_EXCEPTION", message,
                          tuple(SUBJECTS))  # fmt: skip
    subject = given[0]
    for other in table.rows(include_deleted=False):
        same = table.get(other, "CampaignId") == values["CampaignId"] and table.get(other, subject) == values[subject]
        if other != row and same:
            raise RecordError("DUPLICATE_VALUE", "Already a campaign member.")
