"""Campaign and CampaignMember, with accounts as members (Salesforce object reference, CampaignMember).

A CampaignMember links a campaign with a lead, a contact or, where the org enables "Accounts as Campaign
Members" (CampaignMember.AccountId, API 50.0+), an account. This org has no Lead object, so a member names a
contact or an account; this org has the setting on. One record may be a member of a campaign once: a second
one is refused with DUPLICATE_VALUE "Already a campaign member.", as Salesforce answers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from sandbox.salesforce.ids import KEY_PREFIXES
from sandbox.salesforce.schema import (
    ObjectDef,
    flag,
    id_fields,
    picklist,
    read_only,
    reference,
    system_fields,
    text,
)

__all__ = ["SUBJECTS", "campaign", "campaign_member"]

CAMPAIGN_TYPES: Final = ("Conference", "Webinar", "Trade Show", "Public Relations", "Partners", "Referral Program",
                         "Advertisement", "Banner Ads", "Direct Mail", "Email", "Telemarketing", "Other")  # fmt: skip
CAMPAIGN_STATUSES: Final = ("Planned", "In Progress", "Completed", "Aborted")
MEMBER_STATUSES: Final = ("Planned", "Received", "Responded", "Sent")
SUBJECTS: Final = ("ContactId", "AccountId")  # what a member is; this org has no Lead


def campaign() -> ObjectDef:
    fields = (
        *id_fields(),
        replace(text("Name", "Name", 80), nillable=False, name_field=True),
        picklist("Type", "Type", CAMPAIGN_TYPES),
        picklist("Status", "Status", CAMPAIGN_STATUSES),
        flag("IsActive", "Active"),
        reference("OwnerId", "Owner ID", "User", "Owner"),
        *system_fields(),
    )
    return ObjectDef("Campaign", "Campaign", "Campaigns", KEY_PREFIXES["Campaign"], fields)


def campaign_member() -> ObjectDef:
    fields = (
        *id_fields(),
        replace(reference("CampaignId", "Campaign ID", "Campaign", "Campaign"), nillable=False),
        reference("ContactId", "Contact ID", "Contact", "Contact"),
        reference("AccountId", "Account ID", "Account", "Account"),
        picklist("Status", "Status", MEMBER_STATUSES),
        read_only(flag("HasResponded", "Responded")),
        *system_fields(),
    )
    return ObjectDef("CampaignMember", "Campaign Member", "Campaign Members", KEY_PREFIXES["CampaignMember"],
                     fields, updateable=True)  # fmt: skip
