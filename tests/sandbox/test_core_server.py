"""`Sandbox`: start-up, base URLs, credentials, state reuse, persistence and a clean stop."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sandbox.errors import StartupError
from sandbox.runtime import Half, SandboxConfig
from sandbox.server import Sandbox
from sandbox.tls import client_context
from sandbox.world import CrmName

Halves = dict[CrmName, Half]
MakeSandbox = Callable[..., Sandbox]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_halves_get_the_real_base_url_even_for_port_0(stub_sandbox: Sandbox) -> None:
    body = httpx.get(f"{stub_sandbox.hs_url}/crm/v3/objects/deals", verify=stub_sandbox.ssl_context()).json()
    assert body["base_url"] == stub_sandbox.hs_url
    assert stub_sandbox.runtime.contexts["salesforce"].base_url == stub_sandbox.sf_url
    assert stub_sandbox.sf_url != stub_sandbox.hs_url


def test_configured_ports_and_host_names_are_used(make_sandbox: MakeSandbox, stub_halves: Halves) -> None:
    port = _free_port()
    sb = make_sandbox(accounts=10, halves=stub_halves, config={"sf_port": port, "sf_host": "localhost"})
    assert sb.sf_url == f"https://localhost:{port}"
    assert httpx.get(f"{sb.sf_url}/__sandbox/info", verify=sb.ssl_context()).status_code == 200


def test_a_taken_port_is_a_startup_error(stub_halves: Halves) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = SandboxConfig(hs_port=taken.getsockname()[1])
        with pytest.raises(StartupError, match="cannot bind"):
            Sandbox(config, halves=stub_halves).start()


def test_the_jwt_private_key_is_for_clients_and_the_org_keeps_the_public_key(stub_sandbox: Sandbox) -> None:
    creds = stub_sandbox.runtime.contexts["salesforce"].credentials
    assert creds.sf_private_key_path is not None
    assert creds.sf_private_key_path.stat().st_mode & 0o077 == 0
    private = serialization.load_pem_private_key(creds.sf_private_key_path.read_bytes(), password=None)
    assert isinstance(private, rsa.RSAPrivateKey)
    token = jwt.encode({"iss": creds.sf_client_id, "sub": creds.sf_username}, private, algorithm="RS256")
    assert jwt.decode(token, creds.sf_public_key_pem, algorithms=["RS256"])["sub"] == creds.sf_username
    assert "PRIVATE" not in creds.sf_public_key_pem
    assert creds.sf_client_id.startswith("3MVG9")
    assert len(creds.sf_client_id) == 85
    assert creds.hs_token.startswith("pat-na1-")


def test_a_state_dir_keeps_ca_and_credentials_across_restarts(tmp_path: Path, stub_halves: Halves) -> None:
    config = SandboxConfig(state_dir=tmp_path)
    with Sandbox(config, halves=stub_halves) as first:
        ca, creds = first.ca_path.read_bytes(), first.credentials
    with Sandbox(config, halves=stub_halves) as second:
        assert second.ca_path.read_bytes() == ca
        assert second.credentials == creds


def test_orgs_persisted_on_exit_load_again_with_org_file(tmp_path: Path, stub_halves: Halves) -> None:
    config = SandboxConfig(state_dir=tmp_path, persist_on_exit=True)
    with Sandbox(config, halves=stub_halves) as first:
        first.admin("update", "salesforce", id="1", fields={"name": "kept"})
    with Sandbox(SandboxConfig(org_file=tmp_path / "org.pickle"), halves=stub_halves) as second:
        assert second.admin("get", "salesforce", id="1") == {"n": 0, "name": "kept"}


def test_stop_closes_the_ports_and_is_idempotent(tmp_path: Path, stub_halves: Halves) -> None:
    sb = Sandbox(halves=stub_halves).start()
    url, state_dir = sb.sf_url, sb.state_dir
    ca_copy = tmp_path / "ca.pem"
    ca_copy.write_bytes(sb.ca_path.read_bytes())
    sb.stop()
    sb.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/__sandbox/info", verify=client_context(ca_copy))
    assert not state_dir.exists()  # a temporary state dir is removed
    with pytest.raises(StartupError):
        _ = sb.sf_url


def test_start_up_of_the_core_is_fast(stub_halves: Halves) -> None:
    started = time.perf_counter()
    with Sandbox(halves=stub_halves):
        assert time.perf_counter() - started < 2.0
