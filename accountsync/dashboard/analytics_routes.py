"""The portfolio analytics pages: KPI trends by month, the ARR bridge as a waterfall, every KPI by segment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from accountsync.dashboard.portfolio_charts import Series, line_chart, waterfall
from accountsync.dashboard.routes import State, User, render
from sync import PAGE_SEGMENTS, arr_bridge, kpi_trend, segment_rows
from sync.scores import latest_kpis

router = APIRouter(include_in_schema=False)
SEGMENT_KPIS = ("accounts", "customers", "arr", "mrr", "arpa", "arr_at_start", "new", "expansion", "contraction",
                "churn", "grr", "nrr", "logo_churn_rate", "revenue_churn_rate", "cross_sell_rate", "up_sell_rate",
                "win_rate_count", "win_rate_amount", "open_pipeline", "weighted_pipeline", "tcv_won_in_window",
                "mean_score")  # fmt: skip


def _as_of(state: State) -> date:
    """The latest scoring run's as-of date (the figures the other pages show), else today."""
    return latest_kpis(state.engine).as_of or datetime.now(UTC).date()


@router.get("/kpis/trends")
def trends_page(
    request: Request, caller: User, state: State, months: Annotated[int, Query(ge=2, le=24)] = 12
) -> HTMLResponse:
    """ARR, NRR, GRR and logo churn as of each month end over the last `months` months."""
    points = kpi_trend(state.engine, state.deployments.get(), as_of=_as_of(state), months=months)
    labels = [p.month_end.strftime("%Y-%m") for p in points]
    arr = line_chart("trend-arr", "ARR by month end", labels, [Series("ARR", [p.kpis["arr"] for p in points])],
                     rate=False)  # fmt: skip
    rates = line_chart("trend-rates", "NRR, GRR and logo churn by month end", labels,
                       [Series(label, [p.kpis[key] for p in points]) for label, key in
                        (("NRR", "nrr"), ("GRR", "grr"), ("logo churn", "logo_churn_rate"))], rate=True)  # fmt: skip
    currency = state.deployments.get().currency.corporate
    return render(request, "kpi_trends.html", caller, points=points, arr_chart=arr, rate_chart=rates,
                  months=months, currency=currency)  # fmt: skip


@router.get("/kpis/bridge")
def bridge_page(request: Request, caller: User, state: State) -> HTMLResponse:
    """The latest scoring run's ARR bridge over its window: start, new, expansion, contraction, churn, end."""
    kpis = latest_kpis(state.engine)
    currency = str(kpis.portfolio.get("currency") or state.deployments.get().currency.corporate)
    steps = arr_bridge(kpis.portfolio) if kpis.scoring_run_id is not None else []
    chart = waterfall(steps, currency) if steps else None
    return render(request, "arr_bridge.html", caller, kpis=kpis, steps=steps, chart=chart, currency=currency)


@router.get("/kpis/segments")
def segments_page(
    request: Request, caller: User, state: State, by: Annotated[str, Query(max_length=16)] = "industry"
) -> HTMLResponse:
    """Every KPI per industry, country, owner (by name), team or tier (chosen on the page), at the latest scoring's
    date."""
    chosen = by if by in PAGE_SEGMENTS else "industry"
    rows = segment_rows(state.engine, state.deployments.get(), as_of=_as_of(state), by=chosen)
    currency = state.deployments.get().currency.corporate
    return render(request, "segments.html", caller, rows=rows, by=chosen, segments=PAGE_SEGMENTS, kpis=SEGMENT_KPIS,
                  currency=currency, as_of=_as_of(state))  # fmt: skip
