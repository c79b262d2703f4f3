"""Security headers on every answer (pages, API, static files, redirects, errors): a Content-Security-Policy that
allows no inline script, no framing, no MIME sniffing, no referrer to other sites; /docs names its one inline
script by the SHA-256 computed here from the page itself."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from .conftest import bearer, seed_scores, sign_in

WANTED = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}
PAGES = ["/login", "/jobs", "/runs", "/runs/1", "/runs/99999", "/accounts", "/accounts/sf:acc1", "/kpis",
         "/static/dashboard.js", "/static/dashboard.css", "/static/chart.umd.js", "/", "/nope"]  # fmt: skip
API = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/api/jobs", "/api/runs", "/api/runs/1", "/api/accounts",
       "/api/kpis", "/api/tokens", "/api/runs/424242"]  # fmt: skip


def _directives(policy: str) -> dict[str, list[str]]:
    parts = [p.split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def _check(response) -> list[str]:
    problems = [f"{name}: {response.headers.get(name)!r}" for name, value in WANTED.items()
                if response.headers.get(name) != value]  # fmt: skip
    csp = _directives(response.headers.get("content-security-policy", ""))
    script = csp.get("script-src", csp.get("default-src", ["*"]))
    if "'unsafe-inline'" in script or "'unsafe-eval'" in script or "*" in script or not script:
        problems.append(f"script-src {script}")
    if csp.get("frame-ancestors") != ["'none'"] or csp.get("object-src") != ["'none'"]:
        problems.append(f"frame-ancestors/object-src {csp}")
    return problems


def test_every_page_and_answer_carries_the_headers(lite_store, lite_client, lite_tokens) -> None:
    seed_scores(lite_store)
    lite_client.post("/api/jobs/nightly/runs", json={}, headers=bearer(lite_tokens["operator"]))
    signed_out = {path: lite_client.get(path, follow_redirects=False) for path in ("/jobs", "/api/jobs")}
    sign_in(lite_client, lite_tokens["admin"])
    answers = {path: lite_client.get(path, follow_redirects=False) for path in PAGES + API}
    answers["POST /login (refused)"] = lite_client.post("/login", data={"token": "x"})
    answers |= {f"{path} signed out": a for path, a in signed_out.items()}
    assert answers["/jobs"].status_code == 200
    assert answers["/jobs signed out"].status_code == 303
    problems = {path: p for path, a in answers.items() if (p := _check(a))}
    assert problems == {}
    assert _directives(answers["/jobs"].headers["content-security-policy"])["script-src"] == ["'self'"]
    assert _directives(answers["/jobs"].headers["content-security-policy"])["style-src"] == ["'self'"]


def test_dashboard_templates_hold_no_inline_script_style_or_handler(lite_store, lite_client, lite_tokens) -> None:
    seed_scores(lite_store)
    sign_in(lite_client, lite_tokens["operator"])
    run = lite_client.post("/api/jobs/nightly/runs", json={}, headers=bearer(lite_tokens["operator"])).json()
    for path in ("/login", "/jobs", "/runs", f"/runs/{run['run']['id']}", "/accounts", "/accounts/sf:acc1", "/kpis"):
        html = lite_client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path  # every script is a file
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert " style=" not in html, path
        assert "<style" not in html, path


@pytest.mark.parametrize(("path", "scripts"), [("/docs", 1), ("/redoc", 0)])
def test_the_openapi_pages_allow_their_cdn_and_their_inline_script_by_hash_only(lite_client, path, scripts) -> None:
    page = lite_client.get(path)
    assert page.status_code == 200
    assert _check(page) == []
    script = _directives(page.headers["content-security-policy"])["script-src"]
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert len(inline) == scripts
    digests = [base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in inline]
    assert script == ["'self'", "https://cdn.jsdelivr.net", *(f"'sha256-{d}'" for d in digests)]
