"""The bench jobs' config file: the sandbox's two CRMs as connections, the credentials as `${ENV}` references
(the file holds no secret), and the environment that fills them in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SF_OBJECTS = ["Account", "Opportunity", "OpportunityHistory", "OpportunityStage", "OpportunityLineItem", "CurrencyType"]
HS_OBJECTS = ["companies", "deals", "pipelines"]


def both_crms(name: str, **keys: Any) -> dict[str, Any]:
    """A job reading the benches' objects of both CRMs, with any other job keys given."""
    sources = [{"connection": "salesforce", "objects": SF_OBJECTS}, {"connection": "hubspot", "objects": HS_OBJECTS}]
    return {"name": name, **keys, "sources": sources}


def write_job_config(manifest: dict[str, Any], path: Path, job: dict[str, Any]) -> dict[str, str]:
    """Write a config with `job` on both CRMs of the sandbox at `manifest`; returns the environment it reads."""
    creds = manifest["credentials"]
    document = {
        "version": 1,
        "connections": {
            "salesforce": {"type": "salesforce", "login_url": "${BENCH_SF_URL}", "auth": "jwt",
                           "client_id": "${BENCH_SF_CLIENT_ID}", "username": creds["sf_username"],
                           "jwt_key_file": creds["sf_private_key_path"], "ca_bundle": manifest["ca_path"]},
            "hubspot": {"type": "hubspot", "base_url": "${BENCH_HS_URL}", "token": "${BENCH_HS_TOKEN}",
                        "ca_bundle": manifest["ca_path"]},
        },
        "jobs": [job],
    }  # fmt: skip
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return {"BENCH_SF_URL": manifest["salesforce"]["base_url"], "BENCH_SF_CLIENT_ID": creds["sf_client_id"],
            "BENCH_HS_URL": manifest["hubspot"]["base_url"], "BENCH_HS_TOKEN": creds["hs_token"]}  # fmt: skip
