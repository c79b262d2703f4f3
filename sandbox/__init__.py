"""A faithful local Salesforce + HubSpot served over real HTTPS on 127.0.0.1 (see ARCHITECTURE.md)."""

from __future__ import annotations

from sandbox.context import CrmOrg, SandboxContext, SandboxCredentials
from sandbox.errors import AdminError, PersistError, SandboxError, SpecError, StartupError
from sandbox.faults import Fault, FaultPlan, FaultRule
from sandbox.runtime import Half, SandboxConfig, build_apps, build_runtime
from sandbox.server import Sandbox
from sandbox.world import Company, Deal, WorldSpec

__all__ = [
    "AdminError",
    "Company",
    "CrmOrg",
    "Deal",
    "Fault",
    "FaultPlan",
    "FaultRule",
    "Half",
    "PersistError",
    "Sandbox",
    "SandboxConfig",
    "SandboxContext",
    "SandboxCredentials",
    "SandboxError",
    "SpecError",
    "StartupError",
    "WorldSpec",
    "build_apps",
    "build_runtime",
]
