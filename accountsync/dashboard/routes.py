"""The dashboard: server-rendered pages over the same views as the API; a little JS polls the API for progress."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from accountsync.api.auth import COOKIE, presented_token
from accountsync.api.state import ApiState, state_of
from sync import queue
from sync.browse import get_run, list_runs
from sync.ranking import AccountFilter, account_detail, latest_kpis, ranked_accounts
from sync.scheduler import next_fire_times
from sync.tokens import Caller, authenticate

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(state_of)]
SESSION_SECONDS = 12 * 3600


class LoginRequired(Exception):
    """No valid session: the page sends the browser to /login."""


def page_caller(request: Request, state: State) -> Caller:
    """The signed-in user of a page (a FastAPI dependency).

    Raises:
        LoginRequired: no valid session cookie.
    """
    token, _ = presented_token(request)
    caller = authenticate(state.engine, token) if token else None
    if caller is None:
        raise LoginRequired
    return caller


User = Annotated[Caller, Depends(page_caller)]


def _render(request: Request, name: str, caller: Caller | None, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"caller": caller, **context})


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    """Sign in with an API token."""
    return _render(request, "login.html", None, error=None)


@router.post("/login", response_model=None)
def login(request: Request, state: State, token: Annotated[str, Form(max_length=200)]) -> Response:
    """Check the token and keep it in an HttpOnly, SameSite=Strict session cookie."""
    caller = authenticate(state.engine, token.strip())
    if caller is None:
        refused = _render(request, "login.html", None, error="That token is not valid (unknown or revoked).")
        refused.status_code = status.HTTP_401_UNAUTHORIZED
        return refused
    response = RedirectResponse("/jobs", status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(COOKIE, token.strip(), max_age=SESSION_SECONDS, httponly=True, samesite="strict",
                        secure=state.secure_cookies, path="/")  # fmt: skip
    return response


@router.post("/logout")
def logout() -> RedirectResponse:
    """Forget the session."""
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/")
def home() -> RedirectResponse:
    """The jobs page."""
    return RedirectResponse("/jobs", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/jobs")
def jobs_page(request: Request, caller: User, state: State) -> HTMLResponse:
    """Jobs with schedules, next fire times and a run-now button."""
    deployment = state.deployments.get()
    fires = next_fire_times(deployment, now=datetime.now(UTC), cadence=state.cadence)
    counts = queue.active_counts(state.engine)
    rows = [{"job": job, "next": fires.get(job.name), "counts": counts.get(job.name, {})} for job in deployment.jobs]
    return _render(request, "jobs.html", caller, rows=rows)


@router.get("/runs")
def runs_page(
    request: Request, caller: User, state: State, job: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    """Run history; progress bars follow the API."""
    page = list_runs(state.engine, job=job or None, limit=50)
    return _render(request, "runs.html", caller, runs=page.items, total=page.total, job=job)


@router.get("/runs/{run_id}")
def run_page(request: Request, caller: User, state: State, run_id: int) -> HTMLResponse:
    """One run: progress per stream, counts, API calls, errors, rejections."""
    run = get_run(state.engine, run_id)
    if run is None:
        return _render(request, "missing.html", caller, what=f"run {run_id}")
    return _render(request, "run.html", caller, run=run)


@router.get("/accounts")
def accounts_page(
    request: Request,
    caller: User,
    state: State,
    tier: Annotated[str | None, Query(max_length=1)] = None,
    owner: Annotated[str | None, Query(max_length=128)] = None,
    industry: Annotated[str | None, Query(max_length=128)] = None,
    country: Annotated[str | None, Query(max_length=128)] = None,
    min_score: Annotated[float | None, Query(ge=0, le=100)] = None,
) -> HTMLResponse:
    """Ranked accounts with tier, score, reasons and what changed."""
    flt = AccountFilter(tier=tier or None, owner=owner or None, industry=industry or None, country=country or None,
                        min_score=min_score)  # fmt: skip
    page = ranked_accounts(state.engine, flt, limit=200)
    return _render(request, "accounts.html", caller, page=page, flt=flt)


@router.get("/accounts/{key}")
def account_page(request: Request, caller: User, state: State, key: str) -> HTMLResponse:
    """One account: score, reasons, figures and score history; operators may resync it by hand."""
    detail = account_detail(state.engine, key)
    if detail is None:
        return _render(request, "missing.html", caller, what=f"account {key}")
    jobs = [job.name for job in state.deployments.get().jobs]  # any of them may resync it (operators)
    return _render(request, "account.html", caller, detail=detail, jobs=jobs)


@router.get("/kpis")
def kpis_page(request: Request, caller: User, state: State) -> HTMLResponse:
    """Portfolio KPIs with charts: ARR movement, GRR/NRR, win rate, stage durations."""
    return _render(request, "kpis.html", caller, kpis=latest_kpis(state.engine))


def mount_dashboard(app: FastAPI) -> None:
    """Add the pages, the static files and the login redirect to `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def _to_login(_request: Request, _exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
