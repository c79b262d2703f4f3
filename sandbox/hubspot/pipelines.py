"""Deal pipelines and their stages, as `GET /crm/v3/pipelines/deals` answers them."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from sandbox.hubspot.errors import ApiError
from sandbox.hubspot.timestamps import iso_property

__all__ = ["PIPELINES", "STAGE_MAP", "Pipeline", "PipelineStage", "find_stage", "pipelines_json"]


@dataclass(frozen=True, slots=True)
class PipelineStage:
    id: str
    label: str
    display_order: int
    probability: float
    is_closed: bool
    created_at: int = 0

    @property
    def is_won(self) -> bool:
        # HubSpot counts a deal as closed won when its closed stage has probability 1.
        return self.is_closed and self.probability >= 1.0

    def as_json(self) -> dict[str, Any]:
        stamp = iso_property(self.created_at)
        return {
            "label": self.label,
            "displayOrder": self.display_order,
            "metadata": {"isClosed": "true" if self.is_closed else "false", "probability": repr(self.probability)},
            "id": self.id,
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
            "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
        }


@dataclass(frozen=True, slots=True)
class Pipeline:
    id: str
    label: str
    display_order: int
    stages: tuple[PipelineStage, ...]
    created_at: int = 0

    def as_json(self) -> dict[str, Any]:
        stamp = iso_property(self.created_at)
        return {
            "label": self.label,
            "displayOrder": self.display_order,
            "id": self.id,
            "stages": [s.as_json() for s in self.stages],
            "createdAt": stamp,
            "updatedAt": stamp,
            "archived": False,
        }


_RENEWALS_AT: Final = 1_640_995_200_000  # 2022-01-01: a custom pipeline with numeric stage ids

PIPELINES: Final = (
    Pipeline("default", "Sales Pipeline", 0, (
        PipelineStage("appointmentscheduled", "Appointment Scheduled", 0, 0.2, False),
        PipelineStage("qualifiedtobuy", "Qualified To Buy", 1, 0.4, False),
        PipelineStage("presentationscheduled", "Presentation Scheduled", 2, 0.6, False),
        PipelineStage("decisionmakerboughtin", "Decision Maker Bought-In", 3, 0.8, False),
        PipelineStage("contractsent", "Contract Sent", 4, 0.9, False),
        PipelineStage("closedwon", "Closed Won", 5, 1.0, True),
        PipelineStage("closedlost", "Closed Lost", 6, 0.0, True),
    )),
    Pipeline("75287960", "Renewals", 1, (
        PipelineStage("75287961", "Renewal Identified", 0, 0.3, False, _RENEWALS_AT),
        PipelineStage("75287962", "Renewal Quoted", 1, 0.6, False, _RENEWALS_AT),
        PipelineStage("75287963", "Renewal Committed", 2, 0.9, False, _RENEWALS_AT),
        PipelineStage("75287964", "Renewed", 3, 1.0, True, _RENEWALS_AT),
        PipelineStage("75287965", "Not Renewed", 4, 0.0, True, _RENEWALS_AT),
    ), _RENEWALS_AT),
)  # fmt: skip

# The world's neutral stage keys -> stage id, per pipeline.
STAGE_MAP: Final = MappingProxyType({
    "default": MappingProxyType({
        "prospecting": "appointmentscheduled", "qualification": "qualifiedtobuy",
        "proposal": "presentationscheduled", "negotiation": "decisionmakerboughtin",
        "closed_won": "closedwon", "closed_lost": "closedlost",
    }),
    "75287960": MappingProxyType({
        "prospecting": "75287961", "qualification": "75287961", "proposal": "75287962",
        "negotiation": "75287963", "closed_won": "75287964", "closed_lost": "75287965",
    }),
})  # fmt: skip

_BY_STAGE: Final = {s.id: (p, s) for p in PIPELINES for s in p.stages}


def find_stage(stage_id: str) -> tuple[Pipeline, PipelineStage] | None:
    return _BY_STAGE.get(stage_id)


def pipelines_json(object_type: str, pipeline_id: str | None = None) -> dict[str, Any]:
    """The body of `GET /crm/v3/pipelines/{type}[/{id}]` (deals have pipelines; others answer none)."""
    known = PIPELINES if object_type in ("deals", "deal", "0-3") else ()
    if pipeline_id is None:
        return {"results": [p.as_json() for p in known]}
    for p in known:
        if p.id == pipeline_id:
            return p.as_json()
    raise ApiError(404, "OBJECT_NOT_FOUND", f"Unable to find pipeline {pipeline_id} for object type {object_type}")
