"""Account mapping settings: the buying-role rules, the roles each segment needs, engagement and the score weight."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["BUYING_ROLES", "AccountMapping", "BuyingRole", "RoleRule", "SegmentName"]

BuyingRole = Literal[
    "executive_sponsor", "economic_buyer", "it_technical", "line_user", "procurement", "champion", "unknown"
]
BUYING_ROLES: tuple[BuyingRole, ...] = (
    "executive_sponsor", "economic_buyer", "it_technical", "line_user", "procurement", "champion", "unknown",
)  # fmt: skip
SegmentName = Literal["enterprise", "mid_market", "smb"]


class Strict(BaseModel):
    """As `config.models.Strict` (which imports this module): unknown keys are errors, values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RoleRule(Strict):
    """One title rule: a contact whose title matches `pattern` (a regular expression, case-insensitive) gets
    `role`. Rules are tried in order; the first that matches wins and is recorded with the contact."""

    name: str = Field(min_length=1, max_length=64, description="Rule name, recorded with each contact it matched.")
    role: BuyingRole = Field(description="The buying role the rule gives.")
    pattern: str = Field(min_length=1, description="Regular expression searched in the title (case-insensitive).")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return pattern


def _rule(name: str, role: BuyingRole, pattern: str) -> RoleRule:
    return RoleRule(name=name, role=role, pattern=pattern)


def default_rules() -> list[RoleRule]:
    """English and Japanese titles; the order settles ambiguous ones (CIO 兼 情報システム部長 is IT, a category
    manager buys, a finance controller holds budget)."""
    return [
        _rule("procurement", "procurement",
              r"procure|purchas|sourcing|category manager|vendor manage|購買|調達|資材"),
        _rule("finance", "economic_buyer",
              r"\bcfo\b|chief financial|finance|financial|controller|treasur|budget|財務|経理|経営企画"),
        _rule("it", "it_technical",
              r"\bcio\b|\bcto\b|\bciso\b|chief (information|technology|digital)|\bit\b|information technology"
              r"|system|architect|engineer|developer|infrastructure|security|data|情報システム|情シス|システム|技術|開発"),
        _rule("executive", "executive_sponsor",
              r"\bceo\b|\bcoo\b|chief executive|chief operating|founder|president|owner|managing director|\bvp\b"
              r"|vice president|代表|社長|会長|取締役|執行役員|常務|専務|本部長"),
        _rule("line", "line_user",
              r"manager|head of|director|\blead\b|supervisor|analyst|operations|sales|marketing|success|specialist"
              r"|部長|課長|係長|主任|マネージャー|リーダー|営業|製造|現場"),
    ]  # fmt: skip


def default_crm_roles() -> dict[str, BuyingRole]:
    """Contact roles on deals (Salesforce OpportunityContactRole, HubSpot deal-contact labels) that say the
    buying role outright: they come before the title rules."""
    return {
        "Champion": "champion", "Economic Buyer": "economic_buyer", "Economic Decision Maker": "economic_buyer",
        "Executive Sponsor": "executive_sponsor", "Technical Buyer": "it_technical", "Business User": "line_user",
    }  # fmt: skip


def default_required() -> dict[SegmentName, list[BuyingRole]]:
    return {
        "enterprise": ["executive_sponsor", "economic_buyer", "it_technical", "line_user", "procurement"],
        "mid_market": ["executive_sponsor", "economic_buyer", "it_technical", "line_user"],
        "smb": ["executive_sponsor", "line_user"],
    }


class AccountMapping(Strict):
    """Buying-committee coverage (docs/account-mapping.md): roles from titles and CRM roles, roles each segment
    needs, who counts as engaged, and the coverage component of the score."""

    rules: list[RoleRule] = Field(default_factory=default_rules, description="Title rules, tried in order.")
    crm_roles: dict[str, BuyingRole] = Field(
        default_factory=default_crm_roles, description="CRM contact role (deal role or label) -> buying role."
    )
    required_roles: dict[SegmentName, list[BuyingRole]] = Field(
        default_factory=default_required, description="Segment -> the buying roles an account of it needs."
    )
    enterprise_employees: int = Field(default=1000, ge=1, description="Employees from which an account is enterprise.")
    mid_market_employees: int = Field(default=200, ge=1, description="Employees from which an account is mid-market.")
    engaged_days: int = Field(default=90, ge=1, le=3650, description="Activity within this many days is engaged.")
    weight: float = Field(default=0.1, ge=0, le=1, description="Weight of coverage in the account score.")

    @model_validator(mode="after")
    def _bands(self) -> AccountMapping:
        if self.mid_market_employees >= self.enterprise_employees:
            raise ValueError("mid_market_employees must be below enterprise_employees")
        return self
