"""Header names leave the sandbox in the canonical case the real CRMs send, read from a socket's raw bytes."""

from __future__ import annotations

import json
import re
import socket
import ssl
from urllib.parse import urlsplit

import pytest

from sandbox.server import Sandbox
from sandbox.wirecase import canonical_name


def raw_exchange(sb: Sandbox, base_url: str, request_head: str, body: bytes = b"") -> tuple[int, list[str], bytes]:
    """Send one HTTP/1.1 request over TLS; (status, header lines exactly as sent, body)."""
    url = urlsplit(base_url)
    context = ssl.create_default_context(cafile=str(sb.ca_path))
    with (
        socket.create_connection((url.hostname, url.port)) as plain,
        context.wrap_socket(plain, server_hostname=url.hostname) as tls,
    ):
        tls.sendall(request_head.encode("latin-1") + b"\r\n" + body)
        data = b""
        while chunk := tls.recv(65536):
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    return int(status_line.split()[1]), lines, payload


def names(lines: list[str]) -> list[str]:
    return [line.split(":", 1)[0] for line in lines]


def head(method: str, path: str, host: str, *extra: str) -> str:
    return "".join(f"{line}\r\n" for line in (f"{method} {path} HTTP/1.1", f"Host: {host}", *extra,
                                                "Connection: close"))  # fmt: skip


def sf_token(sb: Sandbox) -> str:
    creds = sb.credentials
    form = f"grant_type=client_credentials&client_id={creds.sf_client_id}&client_secret={creds.sf_client_secret}"
    host = urlsplit(sb.sf_url).netloc
    request = head("POST", "/services/oauth2/token", host, "Content-Type: application/x-www-form-urlencoded",
                   f"Content-Length: {len(form)}")  # fmt: skip
    status, _, body = raw_exchange(sb, sb.sf_url, request, form.encode())
    assert status == 200
    return str(json.loads(body)["access_token"])


def test_salesforce_sends_content_type_date_and_limit_info_in_canonical_case(sandbox: Sandbox) -> None:
    token = sf_token(sandbox)
    host = urlsplit(sandbox.sf_url).netloc
    request = head("GET", "/services/data/v62.0/query?q=SELECT+Id+FROM+Account+LIMIT+1", host,
                   f"Authorization: Bearer {token}")  # fmt: skip
    status, lines, _ = raw_exchange(sandbox, sandbox.sf_url, request)
    assert status == 200
    sent = names(lines)
    assert {"Content-Type", "Date", "Sforce-Limit-Info", "Content-Length"} <= set(sent)
    assert all(re.fullmatch(r"([A-Z][A-Za-z0-9]*)(-[A-Z][A-Za-z0-9]*)*", n) for n in sent), sent


def test_bulk_results_send_sforce_locator_and_number_of_records_in_canonical_case(sandbox: Sandbox) -> None:
    token = sf_token(sandbox)
    host = urlsplit(sandbox.sf_url).netloc
    job = json.dumps({"operation": "query", "query": "SELECT Id FROM Account"})
    create = head("POST", "/services/data/v62.0/jobs/query", host, f"Authorization: Bearer {token}",
                  "Content-Type: application/json", f"Content-Length: {len(job)}")  # fmt: skip
    status, _, body = raw_exchange(sandbox, sandbox.sf_url, create, job.encode())
    assert status == 200
    job_path = f"/services/data/v62.0/jobs/query/{json.loads(body)['id']}"
    state = ""
    while state != "JobComplete":  # the sandbox finishes a job within a few polls; pytest's timeout bounds it
        _, _, polled = raw_exchange(
            sandbox, sandbox.sf_url, head("GET", job_path, host, f"Authorization: Bearer {token}")
        )
        state = json.loads(polled)["state"]
    results = head("GET", f"{job_path}/results?maxRecords=10", host, f"Authorization: Bearer {token}")
    status, lines, _ = raw_exchange(sandbox, sandbox.sf_url, results)
    assert status == 200
    assert {"Sforce-Locator", "Sforce-NumberOfRecords", "Content-Type"} <= set(names(lines))


def test_hubspot_sends_rate_limit_headers_in_hubspot_case(sandbox: Sandbox) -> None:
    host = urlsplit(sandbox.hs_url).netloc
    request = head("GET", "/crm/v3/objects/companies?limit=1", host,
                   f"Authorization: Bearer {sandbox.credentials.hs_token}")  # fmt: skip
    status, lines, _ = raw_exchange(sandbox, sandbox.hs_url, request)
    assert status == 200
    sent = set(names(lines))
    assert {"Content-Type", "Date", "X-HubSpot-RateLimit-Remaining", "X-HubSpot-RateLimit-Daily-Remaining",
            "X-HubSpot-Correlation-Id"} <= sent  # fmt: skip
    assert not any(n != n.lower() and n.lower() in sent for n in sent)


@pytest.mark.parametrize(
    ("lower", "canonical"),
    [
        (b"content-type", b"Content-Type"),
        (b"sforce-locator", b"Sforce-Locator"),
        (b"sforce-numberofrecords", b"Sforce-NumberOfRecords"),
        (b"x-hubspot-ratelimit-secondly-remaining", b"X-HubSpot-RateLimit-Secondly-Remaining"),
        (b"www-authenticate", b"WWW-Authenticate"),
        (b"location", b"Location"),
    ],
)
def test_canonical_name_spells_each_header_as_the_crms_do(lower: bytes, canonical: bytes) -> None:
    assert canonical_name(lower) == canonical
