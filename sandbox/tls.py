"""The sandbox's TLS: a CA generated at start (trustme) and a server certificate for the configured names.

Clients trust the CA explicitly (`verify=ca_path`), never by turning verification off. The server
certificate always names `localhost` and carries an IP SAN for `127.0.0.1`, plus any configured host
names (e.g. `acme.my.salesforce.com` when a test maps that name to 127.0.0.1).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import trustme

__all__ = ["ALWAYS_NAMED", "TlsFiles", "client_context", "issue_tls"]

ALWAYS_NAMED: Final = ("127.0.0.1", "localhost")
_CA_CERT: Final = "ca.pem"  # the bundle clients verify with
_CA_KEY: Final = "ca-key.pem"  # kept so a restarted sandbox (same state dir) keeps clients' trust


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where the PEM files are: the CA bundle for clients, the server's chain and key for uvicorn."""

    ca_path: Path
    cert_path: Path
    key_path: Path
    names: tuple[str, ...]


def _private(path: Path, data: bytes) -> None:
    """Write a key readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _load_or_create_ca(directory: Path, reuse: bool) -> trustme.CA:
    cert, key = directory / _CA_CERT, directory / _CA_KEY
    if reuse and cert.is_file() and key.is_file():
        return trustme.CA.from_pem(cert.read_bytes(), key.read_bytes())
    ca = trustme.CA(organization_name="accountsync CRM sandbox")
    cert.write_bytes(ca.cert_pem.bytes())
    _private(key, ca.private_key_pem.bytes())
    return ca


def issue_tls(directory: Path, hosts: Iterable[str] = (), *, reuse_ca: bool = False) -> TlsFiles:
    """Create (or, with `reuse_ca`, reload) the CA in `directory` and issue a server certificate.

    The CA bundle is `directory/ca.pem`; the server chain and key are `server.pem` / `server-key.pem`.
    """
    directory.mkdir(parents=True, exist_ok=True)
    names = tuple(dict.fromkeys((*ALWAYS_NAMED, *(h for h in hosts if h))))
    ca = _load_or_create_ca(directory, reuse_ca)
    leaf = ca.issue_cert(*names)
    cert_path, key_path = directory / "server.pem", directory / "server-key.pem"
    cert_path.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    _private(key_path, leaf.private_key_pem.bytes())
    return TlsFiles(directory / _CA_CERT, cert_path, key_path, names)


def client_context(ca_path: Path | str) -> ssl.SSLContext:
    """A verifying client context trusting only the sandbox CA (httpx: `verify=client_context(ca)`)."""
    return ssl.create_default_context(cafile=str(ca_path))
