"""Deal pipelines and their stages (`GET /crm/v3/pipelines/deals`), one record per stage."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from connectors.base import Record
from connectors.hubspot.transport import Transport

__all__ = ["RawPipeline", "RawStage", "read_stages", "stage_records"]


class RawStage(BaseModel):
    """One stage as the pipelines API answers it; metadata values are strings (`"true"`, `"0.2"`)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    label: str
    display_order: int = Field(default=0, alias="displayOrder")
    archived: bool = False
    metadata: dict[str, Any] = Field(default_factory=dict)

    def probability(self) -> Decimal | None:
        """The stage's win probability, 0..1, when its metadata has one."""
        raw = self.metadata.get("probability")
        if raw is None or raw == "":
            return None
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            return None

    def is_closed(self) -> bool:
        """Whether deals in this stage are closed (`metadata.isClosed`)."""
        return str(self.metadata.get("isClosed", "false")).strip().lower() == "true"

    def is_won(self) -> bool:
        """Closed won: HubSpot marks no stage as won; a closed stage with probability 1 is the won one."""
        probability = self.probability()
        return self.is_closed() and probability is not None and probability >= 1


class RawPipeline(BaseModel):
    """One pipeline with its stages."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: str
    label: str
    display_order: int = Field(default=0, alias="displayOrder")
    archived: bool = False
    stages: list[RawStage] = Field(default_factory=list)


def stage_records(pipelines: list[RawPipeline]) -> list[Record]:
    """One record per stage, pipelines and stages in display order."""
    records: list[Record] = []
    for pipeline in sorted(pipelines, key=lambda p: (p.display_order, p.id)):
        for stage in sorted(pipeline.stages, key=lambda s: (s.display_order, s.id)):
            records.append(
                {
                    "id": stage.id,
                    "label": stage.label,
                    "pipeline": pipeline.id,
                    "pipelineLabel": pipeline.label,
                    "pipelineDisplayOrder": pipeline.display_order,
                    "isClosed": stage.is_closed(),
                    "isWon": stage.is_won(),
                    "probability": stage.probability(),
                    "displayOrder": stage.display_order,
                    "archived": stage.archived or pipeline.archived,
                }
            )
    return records


def read_stages(transport: Transport, pipelines_api: Any) -> list[Record]:
    """Every deal stage of every deal pipeline (one call)."""
    reply = transport.call("list deal pipelines", pipelines_api.get_all, "deals")
    raws = [RawPipeline.model_validate(item) for item in (reply.body or {}).get("results", [])]
    return stage_records(raws)
