"""The figures write-back can send: their field kinds, and their values formatted once (rounded, clipped)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from connectors import FieldInfo, FieldSpec

Kind = Literal["number", "text", "longtext", "percent", "date"]


@dataclass(frozen=True, slots=True)
class Figure:
    """How a figure is written: its field kind, decimals, and default text length."""

    kind: Kind
    scale: int = 0
    length: int | None = None
    label: str = ""
    ratio: bool = False  # stored as a ratio (0.00055), written as the percentage a percent field holds (0.055)
    rounding: str = ROUND_HALF_EVEN  # the score is cut (ROUND_FLOOR): rounded up, 79.97 would read 80.0 beside tier B


FIGURES: dict[str, Figure] = {
    "score": Figure("number", 1, label="AccountSync score", rounding=ROUND_FLOOR),
    "tier": Figure("text", length=1, label="AccountSync tier"),
    "rank": Figure("number", 0, label="AccountSync rank"),
    "reasons": Figure("longtext", length=1000, label="AccountSync reasons"),
    "change_reason": Figure("text", length=255, label="AccountSync change"),
    "arr": Figure("number", 2, label="AccountSync ARR"),
    "mrr": Figure("number", 2, label="AccountSync MRR"),
    "health": Figure("number", 1, label="AccountSync health"),
    "headroom": Figure("number", 2, label="AccountSync headroom"),
    "share_of_wallet": Figure("percent", 4, label="AccountSync share of wallet", ratio=True),
    "clv": Figure("number", 2, label="AccountSync CLV"),
    "fit": Figure("number", 1, label="AccountSync fit"),
    "potential": Figure("number", 1, label="AccountSync potential"),
    "momentum": Figure("number", 1, label="AccountSync momentum"),
    "product_lines": Figure("text", length=255, label="AccountSync product lines"),
    "scored_at": Figure("date", label="AccountSync scored at"),
    "coverage": Figure("percent", 1, label="AccountSync coverage"),
    "missing_roles": Figure("text", length=255, label="AccountSync missing roles"),
    "single_threaded": Figure("text", length=5, label="AccountSync single-threaded"),
}
COMPATIBLE = {
    "number": {"double", "currency", "int", "percent", "number"},
    "percent": {"percent", "double", "number"},
    "text": {"string", "textarea", "text", "picklist", "enumeration"},
    "longtext": {"textarea", "string", "text"},
    "date": {"date", "datetime"},
}


def field_spec(figure: str, field_name: str) -> FieldSpec:
    """What to create for a missing target field."""
    spec = FIGURES[figure]
    return FieldSpec(field_name, spec.label or figure, spec.kind, spec.length, 18, spec.scale)


def incompatible(figure: str, info: FieldInfo) -> str | None:
    """Why an existing field cannot take the figure, or None when it can."""
    kind = FIGURES[figure].kind
    if info.type.lower() not in COMPATIBLE[kind]:
        return f"field {info.name} is of type {info.type}; {figure} needs a {kind} field"
    if not info.updateable:
        return f"field {info.name} is not writable by the integration user"
    return None


def format_value(figure: str, value: Any, length: int | None = None) -> Any:
    """Round numbers once (half-even, the score cut; to the figure's scale), join and clip text to the field's
    length."""
    spec = FIGURES[figure]
    if value is None:
        return None
    if spec.kind in ("number", "percent"):
        number = Decimal(str(value)).quantize(Decimal(1).scaleb(-spec.scale), rounding=spec.rounding)
        return int(number) if spec.scale == 0 else float(number)
    if spec.kind == "date":
        return str(value)[:10]
    if isinstance(value, bool):  # single_threaded: as HubSpot and Salesforce spell booleans in text
        return "true" if value else "false"
    text = "; ".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    limit = min(x for x in (length, spec.length) if x) if (length or spec.length) else None
    return text[:limit] if limit else text


def value_hash(value: Any) -> str:
    """A stable hash of a formatted value (what the ledger compares)."""
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def figure_values(score: Mapping[str, Any]) -> dict[str, Any]:
    """All figures of one account from its stored score row (score, tier, rank, reasons, figures JSON)."""
    figures = dict(score.get("figures") or {})
    figures |= {name: as_percentage(figures.get(name)) for name, spec in FIGURES.items() if spec.ratio}
    return figures | {k: score.get(k) for k in ("score", "tier", "rank", "reasons", "change_reason", "scored_at")}


def as_percentage(ratio: Any) -> Any:
    """A ratio as the percentage a CRM percent field holds (0.00055 -> 0.055, i.e. 0.055%), once, before
    `format_value` rounds it to the figure's scale (four decimals: a wallet share of 0.00055 is not 0)."""
    return None if ratio is None else float(Decimal(str(ratio)) * 100)
