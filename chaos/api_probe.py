"""Probes of a running `accountsync serve`: the auth matrix (every operation of its OpenAPI, every kind of
caller), schemathesis over the OpenAPI, and a load of concurrent clients with latency percentiles. Every
answer's body is kept for the secrets scan."""

from __future__ import annotations

import asyncio
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

__all__ = ["ROLES", "ROUTES", "Caller", "LoadResult", "Route", "auth_matrix", "expected_status", "fuzz", "load",
           "percentile"]  # fmt: skip

ROLES: Final = ("metrics", "viewer", "operator", "admin")


@dataclass(frozen=True)
class Route:
    """One operation: who may call it (None: anyone), and how to call it (path params and body filled in)."""

    method: str
    path: str
    role: str | None
    body: Callable[[str], Any] | None = None  # caller name -> JSON body


ROUTES: Final = (
    Route("GET", "/api/jobs", "viewer"),
    Route("POST", "/api/jobs/{job}/runs", "operator", lambda who: {"kind": "dry_run"}),
    Route("GET", "/api/runs", "viewer"),
    Route("GET", "/api/runs/{run_id}", "viewer"),
    Route("POST", "/api/runs/{run_id}/cancel", "operator"),
    Route("GET", "/api/accounts", "viewer"),
    Route("GET", "/api/accounts/{key}", "viewer"),
    Route("GET", "/api/kpis", "viewer"),
    Route("GET", "/api/review", "viewer"),
    Route("GET", "/api/tokens", "admin"),
    Route("POST", "/api/tokens", "admin", lambda who: {"name": f"matrix-{who}-{random.getrandbits(48):x}",
                                                        "role": "viewer"}),
    Route("DELETE", "/api/tokens/{name}", "admin"),
    Route("POST", "/api/config/reload", "admin"),
    Route("GET", "/healthz", None),
    Route("GET", "/readyz", None),
    Route("GET", "/metrics", "metrics"),
)  # fmt: skip


@dataclass(frozen=True)
class Caller:
    """Who calls: a role (or none) and the headers/cookies that say so."""

    name: str
    role: str | None
    headers: Mapping[str, str] = field(default_factory=dict)
    cookies: Mapping[str, str] = field(default_factory=dict)
    authenticated: bool = True


def expected_status(route: Route, caller: Caller) -> str:
    """What the matrix expects: `ok` (neither 401 nor 403, nor 5xx), `401` or `403`."""
    if route.role is None:
        return "ok"
    if not caller.authenticated:
        return "401"
    if caller.cookies and route.method not in ("GET", "HEAD") and "X-Requested-With" not in caller.headers:
        return "403"  # a session cookie may not change state without the CSRF header
    return "ok" if ROLES.index(str(caller.role)) >= ROLES.index(route.role) else "403"


def auth_matrix(
    base: str, callers: list[Caller], params: Mapping[str, str], operations: set[tuple[str, str]], keep: list[str]
) -> tuple[list[str], int, int]:
    """Every route for every caller; returns the problems, the calls made and the 5xx seen."""
    problems: list[str] = []
    calls = errors = 0
    covered = {(r.method, r.path) for r in ROUTES}
    problems += [f"{m} {p}: in the OpenAPI but not in the auth matrix" for m, p in sorted(operations - covered)]
    with httpx.Client(base_url=base, timeout=30) as client:
        for route in ROUTES:
            for caller in callers:
                url = route.path.format(**params)
                body = route.body(caller.name) if route.body else None
                answer = client.request(route.method, url, headers=dict(caller.headers), cookies=dict(caller.cookies),
                                        json=body)  # fmt: skip
                client.cookies.clear()
                calls += 1
                keep.append(answer.text)
                want, got = expected_status(route, caller), answer.status_code
                errors += got >= 500
                fine = got < 500 and (got not in (401, 403) if want == "ok" else str(got) == want)
                if not fine:
                    problems.append(f"{route.method} {url} as {caller.name}: {got}, expected {want}")
    return problems, calls, errors


def fuzz(
    base: str, headers: Mapping[str, str], seed: int, examples: int, keep: list[str]
) -> tuple[list[str], int, int]:
    """schemathesis over the live OpenAPI as an admin: (problems, calls, 5xx answers)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    problems: list[str] = []
    counts = {"calls": 0, "errors": 0}

    def check(name: str, case: Any) -> None:
        response = case.call(base_url=base, headers=dict(headers), timeout=30)
        counts["calls"] += 1
        keep.append(response.text)
        if response.status_code >= 500:
            counts["errors"] += 1
            problems.append(f"{name}: {response.status_code} for {case.as_curl_command()[:200]}")
            return
        try:
            case.validate_response(response)
        except Exception as exc:  # a schemathesis check failed: the answer is outside the schema
            problems.append(f"{name}: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:160]}")

    results: list[Any] = list(schema.get_all_operations())
    for result in results:
        operation = result.ok()
        name = f"{operation.method.upper()} {operation.path}"
        checker = _checker(check, name)
        run = hypothesis_seed(seed)(
            settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))(
                given(case=operation.as_strategy())(checker)
            )
        )
        run()
    return problems, counts["calls"], counts["errors"]


def _checker(check: Callable[[str, Any], None], name: str) -> Callable[[Any], None]:
    def one(case: Any) -> None:
        check(name, case)

    return one


@dataclass
class LoadResult:
    """What the load saw: each answer's status and latency, and transport failures."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    def summary(self) -> str:
        n = len(self.latencies)
        rate = n / self.seconds if self.seconds else 0.0
        p = {q: percentile(self.latencies, q) * 1000 for q in (50, 95, 99)}
        return (f"{n:,} requests in {self.seconds:.0f} s ({rate:.0f}/s): p50 {p[50]:.0f} ms, p95 {p[95]:.0f} ms, "
                f"p99 {p[99]:.0f} ms, max {max(self.latencies, default=0) * 1000:.0f} ms; statuses "
                f"{dict(sorted(self.statuses.items()))}; transport failures {len(self.failures)}")  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


async def _client(base: str, headers: Mapping[str, str], paths: list[str], rng: random.Random, until: float,
                  out: LoadResult) -> None:  # fmt: skip
    async with httpx.AsyncClient(base_url=base, headers=dict(headers), timeout=60) as client:
        while time.monotonic() < until:
            path = rng.choice(paths)
            started = time.perf_counter()
            try:
                answer = await client.get(path)
            except httpx.HTTPError as exc:
                out.failures.append(f"GET {path}: {type(exc).__name__}: {exc}"[:200])
                continue
            out.latencies.append(time.perf_counter() - started)
            out.statuses[answer.status_code] = out.statuses.get(answer.status_code, 0) + 1


def load(
    base: str, headers: Mapping[str, str], paths: list[str], clients: int, seconds: float, seed: int
) -> LoadResult:
    """`clients` concurrent clients GET `paths` (seeded choice) for `seconds`."""
    out = LoadResult()

    async def main() -> None:
        until = time.monotonic() + seconds
        await asyncio.gather(*(_client(base, headers, paths, random.Random(f"{seed}:{n}"), until, out)
                               for n in range(clients)))  # fmt: skip

    started = time.monotonic()
    asyncio.run(main())
    out.seconds = time.monotonic() - started
    return out


def save(keep: list[str], path: Path) -> None:
    """Every answer body, for the secrets scan."""
    path.write_text("\n".join(keep), encoding="utf-8")
