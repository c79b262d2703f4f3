"""The config file's JSON Schema, for editors and for the README."""

from __future__ import annotations

from typing import Any

from config.models import Deployment


def json_schema() -> dict[str, Any]:
    """JSON Schema of the config file (every key carries its description)."""
    schema = Deployment.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "accountsync deployment"
    return schema
