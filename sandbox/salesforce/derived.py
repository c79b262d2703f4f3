"""Fields computed from other fields on read (picklable callables, so the org can be persisted)."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any, Final

from sandbox.catalog import STAGES
from sandbox.salesforce.store import Column, EnumColumn

STAGE_BY_LABEL: Final = {s.label: s for s in STAGES}


def probability(label: str | None) -> float | None:
    stage = STAGE_BY_LABEL.get(label or "")
    return None if stage is None else float(round(stage.probability * 100))


@dataclass(frozen=True, slots=True)
class StageFlag:
    """Opportunity.IsClosed / IsWon from StageName (the OpportunityStage settings)."""

    stage: Column
    attr: str

    def __call__(self, row: int) -> Any:
        return getattr(STAGE_BY_LABEL.get(self.stage.get(row) or ""), self.attr, False)


@dataclass(frozen=True, slots=True)
class StageProbability:
    """The stage's default probability (an explicit write overrides it until the stage changes)."""

    stage: Column

    def __call__(self, row: int) -> Any:
        return probability(self.stage.get(row))


@dataclass(frozen=True, slots=True)
class NextStartDate:
    """DatedConversionRate.NextStartDate: the StartDate of the same currency's next range (null for the last)."""

    iso_code: Column
    start: Column

    def __call__(self, row: int) -> Any:
        code, start = self.iso_code.get(row), self.start.get(row)
        if code is None or start is None:
            return None
        later = [s for r in range(len(self.start.data))
                 if self.iso_code.get(r) == code and (s := self.start.get(r)) is not None and s > start]  # fmt: skip
        return min(later, default=None)


@dataclass(frozen=True, slots=True)
class FromParent:
    """A value of the parent record (a history row's amount, a line item's currency)."""

    parent: Column
    source: Column

    def __call__(self, row: int) -> Any:
        parent = self.parent.get(row)
        return None if parent is None else self.source.get(parent)


@dataclass(frozen=True, slots=True)
class ExpectedRevenue:
    """Amount x the stage's probability, as OpportunityHistory.ExpectedRevenue."""

    parent: Column
    amount: Column
    stage: Column

    def __call__(self, row: int) -> Any:
        parent = self.parent.get(row)
        value = None if parent is None else self.amount.get(parent)
        chance = probability(self.stage.get(row))
        return None if value is None or chance is None else value * chance / 100


@dataclass(frozen=True, slots=True)
class UnitPrice:
    """TotalPrice / Quantity (a line item's sales price and list price)."""

    total: Column
    quantity: Column

    def __call__(self, row: int) -> Any:
        price, count = self.total.get(row), self.quantity.get(row)
        return None if price is None or not count else round(price / count, 2)


@dataclass(frozen=True, slots=True)
class LineName:
    """OpportunityLineItem.Name: the opportunity's name and the product's."""

    parent: Column
    parent_name: Column
    product: Column
    product_name: Column

    def __call__(self, row: int) -> Any:
        parent, product = self.parent.get(row), self.product.get(row)
        left = "" if parent is None else self.parent_name.get(parent)
        right = "" if product is None else self.product_name.get(product)
        return f"{left} {right}".strip()


@dataclass(slots=True)
class OpportunityName:
    """A world opportunity's name: its account's name at build time + a shared suffix ("- Renewal 2026").

    Keeping only an account row and a one-byte suffix code per opportunity saves ~90 bytes each; names that
    do not follow the pattern, and every name written later, are kept as overrides of the derived column.
    """

    accounts: array[int] = field(default_factory=lambda: array("i"))
    suffixes: EnumColumn = field(default_factory=EnumColumn)
    account_names: list[str | None] = field(default_factory=list)  # a snapshot taken when the build ends

    def add(self, account: int, suffix: str | None) -> None:
        self.accounts.append(account)
        self.suffixes.append(suffix)

    def __call__(self, row: int) -> Any:
        if row >= len(self.accounts):
            return None
        suffix = self.suffixes.get(row)
        return None if suffix is None else f"{self.account_names[self.accounts[row]]} - {suffix}"
