"""What each CRM half is given besides its org: base URL, CA, demo credentials and the org's lock."""

from __future__ import annotations

import json
import random
import secrets
import string
import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.world import CrmName

__all__ = ["CrmOrg", "SandboxContext", "SandboxCredentials", "load_or_create_credentials", "make_credentials"]

_ALNUM = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class SandboxCredentials:
    """Demo credentials of the local CRMs (this is a local sandbox: printing them is expected).

    The Salesforce org keeps only the JWT public key; the private key is written to
    `sf_private_key_path` for clients (the connected app's certificate, in Salesforce terms).
    """

    sf_client_id: str  # connected app consumer key
    sf_client_secret: str
    sf_username: str  # the integration user (JWT `sub`)
    sf_public_key_pem: str
    hs_token: str  # HubSpot private-app access token
    sf_private_key_path: Path | None = None

    def public(self) -> dict[str, Any]:
        """JSON-ready form for `sandbox.json` (paths as strings; never the private key itself)."""
        data = asdict(self)
        data["sf_private_key_path"] = str(self.sf_private_key_path) if self.sf_private_key_path else None
        return data


def _private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _public_key_pem(key: rsa.RSAPrivateKey) -> str:
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return key.public_key().public_bytes(serialization.Encoding.PEM, spki).decode()


def make_credentials(directory: Path) -> SandboxCredentials:
    """Fresh credentials; the JWT private key goes to `directory/sf-jwt-key.pem` (mode 0600)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = directory / "sf-jwt-key.pem"
    directory.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(_private_key_pem(key))
    token = "-".join(secrets.token_hex(n) for n in (4, 2, 2, 2, 6))
    return SandboxCredentials(
        sf_client_id="3MVG9" + "".join(secrets.choice(_ALNUM) for _ in range(80)),
        sf_client_secret=secrets.token_hex(32).upper(),
        sf_username="integration@orbitaldevices.example",
        sf_public_key_pem=_public_key_pem(key),
        hs_token=f"pat-na1-{token}",
        sf_private_key_path=path,
    )


def load_or_create_credentials(directory: Path, reuse: bool) -> SandboxCredentials:
    """With `reuse`, the credentials a previous run left in `directory/credentials.json`; else new ones."""
    saved = directory / "credentials.json"
    if reuse and saved.is_file():
        data = json.loads(saved.read_text(encoding="utf-8"))
        path = data.pop("sf_private_key_path")
        return SandboxCredentials(**data, sf_private_key_path=Path(path) if path else None)
    creds = make_credentials(directory)
    saved.touch(mode=0o600)
    saved.write_text(json.dumps(creds.public(), indent=2), encoding="utf-8")
    return creds


@dataclass(slots=True)
class SandboxContext:
    """Handed to `create_app(org, ctx)`: everything a half needs to answer like the real CRM."""

    crm: CrmName
    base_url: str  # https://host:port, what instance_url / paging links must say
    ca_path: Path
    credentials: SandboxCredentials
    # Held by every request handler and by the mutator while touching the org.
    lock: threading.RLock = field(default_factory=threading.RLock)


@runtime_checkable
class CrmOrg(Protocol):
    """What the core needs of a CRM half's org (`SalesforceOrg`, `HubSpotAccount`); orgs must pickle."""

    def apply_admin(self, action: str, params: dict[str, Any]) -> dict[str, Any]: ...

    def mutate_random(self, rng: random.Random, now: datetime) -> dict[str, Any]: ...

    def snapshot(self) -> dict[str, Any]: ...
