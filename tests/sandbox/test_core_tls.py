"""TLS: the generated CA is the only thing a client needs to trust the sandbox."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from sandbox.server import Sandbox
from sandbox.tls import issue_tls


def _names(cert_path: Path) -> tuple[set[str], set[str]]:
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName)), {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}


def test_server_certificate_names_localhost_127_0_0_1_and_configured_hosts(tmp_path: Path) -> None:
    files = issue_tls(tmp_path, ["acme.my.salesforce.com", "api.hubapi.com"])
    dns, ips = _names(files.cert_path)
    assert dns == {"localhost", "acme.my.salesforce.com", "api.hubapi.com"}
    assert ips == {"127.0.0.1"}


def test_private_keys_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    files = issue_tls(tmp_path)
    assert files.key_path.stat().st_mode & 0o077 == 0
    assert (tmp_path / "ca-key.pem").stat().st_mode & 0o077 == 0


def test_reusing_the_state_dir_keeps_the_ca_so_clients_keep_trusting(tmp_path: Path) -> None:
    first = issue_tls(tmp_path).ca_path.read_bytes()
    assert issue_tls(tmp_path, reuse_ca=True).ca_path.read_bytes() == first
    assert issue_tls(tmp_path, reuse_ca=False).ca_path.read_bytes() != first


def test_the_server_chain_verifies_against_the_ca_bundle(tmp_path: Path) -> None:
    files = issue_tls(tmp_path)
    context = ssl.create_default_context(cafile=str(files.ca_path))
    context.load_cert_chain(files.cert_path, files.key_path)  # key and chain belong together


def test_a_request_verified_with_the_ca_succeeds(stub_sandbox: Sandbox) -> None:
    for url in (stub_sandbox.sf_url, stub_sandbox.hs_url):
        response = httpx.get(f"{url}/__sandbox/info", verify=stub_sandbox.ssl_context())
        assert response.status_code == 200
        assert url.startswith("https://127.0.0.1:")


def test_a_request_without_the_ca_fails_verification(stub_sandbox: Sandbox) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{stub_sandbox.sf_url}/__sandbox/info")


def test_localhost_is_a_valid_name_too(stub_sandbox: Sandbox) -> None:
    url = stub_sandbox.hs_url.replace("127.0.0.1", "localhost")
    assert httpx.get(f"{url}/__sandbox/info", verify=stub_sandbox.ssl_context()).status_code == 200
