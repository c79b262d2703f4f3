"""The local HubSpot account: CRM API v3 objects, search, batch, properties, pipelines, associations v4."""

from __future__ import annotations

from sandbox.hubspot.account import HubSpotAccount
from sandbox.hubspot.app import create_app, render_fault
from sandbox.hubspot.errors import HubSpotError
from sandbox.hubspot.ratelimit import LimitSettings

__all__ = ["HubSpotAccount", "HubSpotError", "LimitSettings", "create_app", "render_fault"]
