"""One vocabulary across the CRMs: CRM picklist values mapped to the industry names scoring, KPIs and segments use."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from config.industries import HUBSPOT_INDUSTRIES, SALESFORCE_INDUSTRIES


class Vocabulary(BaseModel):
    """How the CRMs' values are named in our figures: each CRM's industry value -> one industry name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    industry_defaults: bool = Field(
        default=True,
        description="Map HubSpot's industry enumeration values (e.g. `COMPUTER_SOFTWARE`) onto Salesforce's "
        "standard Industry picklist labels (`Technology`), which are the default vocabulary.",
    )
    industries: dict[str, str] = Field(
        default_factory=dict,
        description="CRM industry value -> our industry name; added to the defaults, and wins over them. "
        "ICP rules and wallet ratios name industries in this vocabulary.",
    )

    def industry_map(self) -> dict[str, str]:
        """Every CRM value with another name in our vocabulary (values not listed keep their name)."""
        defaults = dict(HUBSPOT_INDUSTRIES) | {label: label for label in SALESFORCE_INDUSTRIES}
        mapped = (defaults if self.industry_defaults else {}) | self.industries
        return {value: name for value, name in mapped.items() if value != name}
