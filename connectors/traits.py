"""Each CRM's traits, declared once: the facts sync needs of a CRM without naming it (`traits(crm)`)."""

from __future__ import annotations

from connectors.base import ConnectorTraits, IdMatch

SALESFORCE = ConnectorTraits(
    crm="salesforce",
    key_prefix="sf",
    key_rank=0,
    links_to="hubspot",
    domain_link="anchor",
    write_batch=200,  # sObject Collections: 200 records a call
    id_match=IdMatch(  # a 15- or 18-character id, matched by its 15-character, case-sensitive form
        match_by="salesforce_id",
        label="Salesforce id",
        bad="not a 15 or 18 character Salesforce id",
        pattern=r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?",
        length=15,
    ),
)
HUBSPOT = ConnectorTraits(
    crm="hubspot",
    key_prefix="hs",
    key_rank=1,
    links_to="salesforce",
    domain_link="joins",
    write_batch=100,  # the CRM objects' batch/update: 100 inputs a call
    id_match=IdMatch(  # a numeric id; a spreadsheet may have turned 9001 into `9001.0`
        match_by="hubspot_id", label="HubSpot id", bad="not a HubSpot company id", pattern=r"\d+", strip=r"\.0+$"
    ),
)
ALL_TRAITS: tuple[ConnectorTraits, ...] = (SALESFORCE, HUBSPOT)
_BY_CRM: dict[str, ConnectorTraits] = {t.crm: t for t in ALL_TRAITS}


def traits(crm: str) -> ConnectorTraits:
    """The traits of a CRM by the name a connector and the store's rows give it.

    Raises:
        ValueError: no connector serves that CRM.
    """
    found = _BY_CRM.get(crm)
    if found is None:
        raise ValueError(f"no connector for CRM {crm!r}")
    return found


def id_matching(match_by: str) -> ConnectorTraits | None:
    """The CRM whose record ids an enrichment source's `match_by` names, if it names one."""
    return next((t for t in ALL_TRAITS if t.id_match.match_by == match_by), None)
