"""The dashboard: server-rendered pages over the same views as the API; a little JS polls the API for progress."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request, status
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from accountsync.api.auth import COOKIE, bearer_token, same_origin
from accountsync.api.state import ApiState, state_of
from accountsync.dashboard.portfolio_charts import waterfall
from accountsync.dashboard.review_charts import OUTCOME_NAMES, review_charts
from accountsync.figure_text import COMPONENT_LABELS, column, count, figure, stamp
from sync import account_360, arr_bridge
from sync.access import LIFETIME, Caller, authenticate, end_session, form_key, open_session, session_caller
from sync.runs import active_counts, get_run, list_runs
from sync.scores import (
    OUTCOMES,
    AccountFilter,
    ReviewRequest,
    account_map,
    configured_weights,
    latest_kpis,
    ranked_accounts,
    review_report,
    run_review,
)
from sync.serve import next_fire_times

HERE = Path(__file__).parent


def unbroken(text: str) -> str:
    """A sentence whose figures keep their unit on the same line: `top 14 %`, `805.5k USD` (a no-break space
    between a number and the `%` or currency code after it); what the CRMs store is left as written."""
    return _FIGURE_UNIT.sub("\\1\u00a0\\2", text)


_FIGURE_UNIT = re.compile(r"(\d[\d.,]*[kMB]?) (%|[A-Z]{3}\b)")


templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters |= {"figure": lambda name, value, currency=None: figure(name, value, currency),
                          "label": lambda name: column(name).label, "stamp": stamp, "count": count,
                          "unbroken": unbroken}  # fmt: skip
templates.env.globals["component_labels"] = COMPONENT_LABELS
router = APIRouter(include_in_schema=False)
State = Annotated[ApiState, Depends(state_of)]
LOGIN_COOKIE = "accountsync_login"  # the sign-in form's key, before there is a session (double submit)
FormKey = Annotated[str, Form(max_length=200)]


class LoginRequired(Exception):
    """No valid session: the page sends the browser to /login."""


def page_caller(request: Request, state: State) -> Caller:
    """The signed-in user of a page (a FastAPI dependency), by a bearer token (scripts: no browser sends one by
    itself) or else the session cookie; only a session's pages get a form key.

    Raises:
        LoginRequired: no valid token and no live session (none, signed out, expired, or its token revoked).
    """
    token = bearer_token(request)
    if token is not None:
        caller = authenticate(state.engine, token) if token else None
        if caller is None or not caller.may("viewer"):
            raise LoginRequired
        return caller
    session_id = request.cookies.get(COOKIE)
    found = session_caller(state.engine, session_id) if session_id else None
    if found is None or session_id is None:
        raise LoginRequired
    request.state.form_key = form_key(session_id)
    return found.caller


User = Annotated[Caller, Depends(page_caller)]


def render(request: Request, name: str, caller: Caller | None, **context: Any) -> HTMLResponse:
    """A page of the dashboard, with the signed-in caller and the session's form key."""
    form = getattr(request.state, "form_key", None)
    return templates.TemplateResponse(request, name, {"caller": caller, "form_key": form, **context})


def _refused(reason: str) -> Response:
    return PlainTextResponse(f"refused: {reason}", status_code=status.HTTP_403_FORBIDDEN)


@router.get("/login")
def login_form(request: Request, state: State) -> HTMLResponse:
    """Sign in with an API token; the form carries a key also set as a cookie, which another site cannot read."""
    key = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    request.state.form_key = key
    page = render(request, "login.html", None, error=None)
    page.set_cookie(LOGIN_COOKIE, key, max_age=3600, httponly=True, samesite="strict", secure=state.secure_cookies,
                    path="/login")  # fmt: skip
    return page


@router.post("/login", response_model=None)
def login(request: Request, state: State, token: Annotated[str, Form(max_length=200)], csrf: FormKey = "") -> Response:
    """Check the form comes from our page, then the token; open a new server-side session (any old one ends) and
    put only its random id in an HttpOnly, SameSite=Strict cookie."""
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    if not same_origin(request):
        return _refused("a sign-in posted from another site")
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        return _refused("the sign-in form's key is missing or stale: open /login again")
    opened = open_session(state.engine, token.strip(), replacing=request.cookies.get(COOKIE))
    if opened is None:
        request.state.form_key = expected
        refused = render(
            request, "login.html", None, error="That token is not valid here (unknown, revoked, or metrics only)."
        )
        refused.status_code = status.HTTP_401_UNAUTHORIZED
        return refused
    response = RedirectResponse("/jobs", status_code=status.HTTP_303_SEE_OTHER)
    seconds = int(LIFETIME.total_seconds())
    response.set_cookie(COOKIE, opened[1].session_id, max_age=seconds, httponly=True, samesite="strict",
                        secure=state.secure_cookies, path="/")  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, state: State, csrf: FormKey = "") -> Response:
    """End the session on the server (a copy of the cookie is refused from now on) and forget the cookie."""
    session_id = request.cookies.get(COOKIE)
    if not same_origin(request):
        return _refused("a sign-out posted from another site")
    if session_id and session_caller(state.engine, session_id) is not None:
        if not hmac.compare_digest(csrf.encode(), form_key(session_id).encode()):
            return _refused("the sign-out form's key is missing or stale")
        end_session(state.engine, session_id)
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
    counts = active_counts(state.engine)
    rows = [{"job": job, "next": fires.get(job.name), "counts": counts.get(job.name, {})} for job in deployment.jobs]
    return render(request, "jobs.html", caller, rows=rows)


@router.get("/runs")
def runs_page(
    request: Request, caller: User, state: State, job: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    """Run history; progress bars follow the API."""
    page = list_runs(state.engine, job=job or None, limit=50)
    return render(request, "runs.html", caller, runs=page.items, total=page.total, job=job)


@router.get("/runs/{run_id}")
def run_page(request: Request, caller: User, state: State, run_id: int) -> HTMLResponse:
    """One run: progress per stream, counts, API calls, errors, rejections."""
    run = get_run(state.engine, run_id)
    if run is None:
        return render(request, "missing.html", caller, what=f"run {run_id}")
    return render(request, "run.html", caller, run=run)


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
    vocabulary = state.deployments.get().vocabulary.industry_map()
    flt = AccountFilter(tier=tier or None, owner=owner or None, industry=industry or None, country=country or None,
                        min_score=min_score, vocabulary=vocabulary)  # fmt: skip
    page = ranked_accounts(state.engine, flt, limit=200)
    currency = state.deployments.get().currency.corporate
    return render(request, "accounts.html", caller, page=page, flt=flt, currency=currency)


@router.get("/accounts/{key}")
def account_page(request: Request, caller: User, state: State, key: str) -> HTMLResponse:
    """The account 360: tier, score, rank, ARR, headroom, health, the CRMs holding it (linked), the why, score and
    health over job runs, its deals, usage and labelled figures, the buying committee; operators may resync it."""
    deployment = state.deployments.get()
    view = account_360(state.engine, deployment, key)
    if view is None:
        return render(request, "missing.html", caller, what=f"account {key}")
    jobs = [job.name for job in deployment.jobs]  # any of them may resync it (operators)
    as_of = view.detail.as_of
    people = account_map(state.engine, deployment.scoring.account_mapping, key, as_of) if as_of else None
    weights = configured_weights(deployment.scoring)
    return render(request, "account.html", caller, view=view, jobs=jobs, account_map=people, weights=weights)


@router.get("/kpis")
def kpis_page(request: Request, caller: User, state: State) -> HTMLResponse:
    """Portfolio KPIs with charts: the ARR bridge (a waterfall), GRR/NRR, win rate, stage durations."""
    kpis = latest_kpis(state.engine)
    currency = str(kpis.portfolio.get("currency") or state.deployments.get().currency.corporate)
    bridge = waterfall(arr_bridge(kpis.portfolio), currency) if kpis.scoring_run_id is not None else None
    return render(request, "kpis.html", caller, kpis=kpis, bridge=bridge)


@router.get("/review")
def review_page(
    request: Request,
    caller: User,
    state: State,
    as_of: date | None = None,
    every: Literal["quarter", "month"] = "quarter",
    years: Annotated[int, Query(ge=1, le=10)] = 2,
    horizon_months: Annotated[int, Query(ge=1, le=36)] = 6,
    calibrate: bool = False,
) -> HTMLResponse:
    """The score backtest: lift by tier, rate by decile, AUC and components; the calibration when asked."""
    asked = ReviewRequest(today=as_of or datetime.now(UTC).date(), every=every, years=years,
                          horizon_months=horizon_months, calibrate=calibrate)  # fmt: skip
    report = review_report(run_review(state.engine, state.deployments.get(), asked))
    return render(request, "review.html", caller, report=report, charts=review_charts(report), every=every,
                   years=years, outcomes=OUTCOMES, names=OUTCOME_NAMES)  # fmt: skip


def mount_dashboard(app: FastAPI) -> None:
    """Add the pages, the static files and the login redirect to `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(LoginRequired)
    async def _to_login(_request: Request, _exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
