"""Salesforce and HubSpot clients behind one small Protocol: imports config only."""

from __future__ import annotations

__all__: list[str] = []
