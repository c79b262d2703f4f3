"""What HubSpot calculates when a deal's stage or pipeline is written."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from sandbox.hubspot.errors import PropertyIssue
from sandbox.hubspot.pipelines import PIPELINES, find_stage

__all__ = ["derived_stage_values", "probability_text"]


@lru_cache(maxsize=64)
def probability_text(probability: float) -> str:
    """HubSpot writes the stage probability as Java's exact `BigDecimal(double)` expansion.

    0.2 comes back as "0.200000000000000011102230246251565404236316680908203125", 1.0 as "1".
    """
    return str(Decimal(probability))


def derived_stage_values(
    old_pipeline: str | None, old_stage: str | None, changes: dict[str, str | int | None], stamp: int
) -> tuple[dict[str, str | int | None], PropertyIssue | None]:
    """The calculated properties a write to `pipeline`/`dealstage` implies (or the issue it raises)."""
    if "pipeline" not in changes and "dealstage" not in changes:
        return {}, None
    pipeline = changes.get("pipeline", old_pipeline) or PIPELINES[0].id
    stage = changes.get("dealstage", old_stage)
    out: dict[str, str | int | None] = {}
    if "pipeline" not in changes and old_pipeline is None:
        out["pipeline"] = pipeline
    if stage is None:
        return out, None
    found = find_stage(str(stage))
    if found is None or found[0].id != pipeline:
        message = f"{stage} is not a valid deal stage for pipeline {pipeline}"
        return {}, PropertyIssue("dealstage", "INVALID_OPTION", message)
    _, info = found
    out["hs_is_closed"] = "true" if info.is_closed else "false"
    out["hs_is_closed_won"] = "true" if info.is_won else "false"
    out["hs_deal_stage_probability"] = probability_text(info.probability)
    if stage != old_stage:
        out[f"hs_v2_date_entered_{stage}"] = stamp
        if old_stage is not None:
            out[f"hs_v2_date_exited_{old_stage}"] = stamp
    return out, None
