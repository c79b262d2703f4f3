"""The neutral synthetic org: pure, deterministic functions of `(WorldSpec, index)`.

Nothing here holds the world in memory: `company(spec, i)` and `deals(spec, company)` build one record
from the spec and an index, so a 1,000,000-account world can be streamed into compact per-CRM stores.
Each CRM half maps these neutral records to its own objects and field names.
"""

from __future__ import annotations

from sandbox.catalog import (
    COUNTRIES,
    CURRENCIES,
    FAMILIES,
    INDUSTRIES,
    OPEN_STAGES,
    OWNERS,
    PUBLIC_MAIL_DOMAINS,
    RATES,
    STAGE_BY_KEY,
    STAGES,
    Country,
    Owner,
    Stage,
    to_usd,
)
from sandbox.companies import (
    MAX_ACCOUNTS,
    MIN_ACCOUNTS,
    Company,
    CrmName,
    Crms,
    Lifecycle,
    WorldSpec,
    companies,
    company,
    default_now,
)
from sandbox.portfolio import DEAL_SLOTS, Deal, DealType, LineItem, deals, usage

__all__ = [
    "COUNTRIES",
    "CURRENCIES",
    "DEAL_SLOTS",
    "FAMILIES",
    "INDUSTRIES",
    "MAX_ACCOUNTS",
    "MIN_ACCOUNTS",
    "OPEN_STAGES",
    "OWNERS",
    "PUBLIC_MAIL_DOMAINS",
    "RATES",
    "STAGES",
    "STAGE_BY_KEY",
    "Company",
    "Country",
    "CrmName",
    "Crms",
    "Deal",
    "DealType",
    "Lifecycle",
    "LineItem",
    "Owner",
    "Stage",
    "WorldSpec",
    "companies",
    "company",
    "deals",
    "default_now",
    "to_usd",
    "usage",
]
