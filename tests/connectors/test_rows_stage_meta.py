"""Stage metadata rows (kpis.md section 8: which stages are closed, their labels and order, from the CRMs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.hubspot.rows import hubspot_stage_meta
from connectors.rows import BadRecord, Context
from connectors.salesforce.rows import salesforce_stage_meta

CTX = Context(connection="crm", crm="any", run_id=1, now=datetime(2026, 11, 1, tzinfo=UTC), opportunity_types={})
SF_STAGE = {"Id": "01J000000000001AAA", "ApiName": "Negotiation", "MasterLabel": "Negotiation/Review",
            "SortOrder": 4, "IsActive": False, "IsClosed": False, "IsWon": False,
            "DefaultProbability": 80.0}  # fmt: skip
HS_STAGE = {"id": "75287962", "label": "Renewal Quoted", "pipeline": "75287960", "pipelineLabel": "Renewals",
            "pipelineDisplayOrder": 1, "isClosed": False, "isWon": False, "probability": "0.6", "displayOrder": 1,
            "archived": False}  # fmt: skip


def test_a_salesforce_stage_is_keyed_by_the_api_name_stagename_holds_and_labelled_by_its_master_label() -> None:
    row = salesforce_stage_meta(SF_STAGE, CTX)
    assert row == {"connection": "crm", "stage": "Negotiation", "label": "Negotiation/Review", "pipeline": None,
                   "pipeline_label": None, "pipeline_order": None, "is_closed": False, "is_won": False,
                   "is_active": False, "probability": 0.8, "display_order": 4}  # fmt: skip


def test_an_org_whose_api_has_no_api_name_keys_its_stages_by_master_label() -> None:
    row = salesforce_stage_meta({k: v for k, v in SF_STAGE.items() if k not in ("ApiName", "IsActive")}, CTX)
    assert (row["stage"], row["label"], row["is_active"]) == ("Negotiation/Review", "Negotiation/Review", True)


def test_a_hubspot_stage_carries_its_pipelines_id_label_and_display_order() -> None:
    row = hubspot_stage_meta(HS_STAGE, CTX)
    assert row == {"connection": "crm", "stage": "75287962", "label": "Renewal Quoted", "pipeline": "75287960",
                   "pipeline_label": "Renewals", "pipeline_order": 1, "is_closed": False, "is_won": False,
                   "is_active": True, "probability": 0.6, "display_order": 1}  # fmt: skip


@pytest.mark.parametrize(
    ("normalise", "record", "field"),
    [
        (salesforce_stage_meta, SF_STAGE | {"SortOrder": "fourth"}, "SortOrder"),
        (hubspot_stage_meta, HS_STAGE | {"pipelineDisplayOrder": "first"}, "pipelineDisplayOrder"),
        (hubspot_stage_meta, HS_STAGE | {"displayOrder": "x"}, "displayOrder"),
    ],
)
def test_an_order_that_is_not_a_number_is_a_bad_record_naming_the_field(normalise: Any, record: Any, field: str):
    with pytest.raises(BadRecord, match=field):
        normalise(record, CTX)
