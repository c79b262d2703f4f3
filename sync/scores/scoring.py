"""Read the store into scoring frames, score the portfolio, store the scores and their history."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import adbc_driver_postgresql  # type: ignore[import-untyped]  # no py.typed marker
import polars as pl
from adbc_driver_manager import AdbcConnection, AdbcDatabase, AdbcStatement
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import Boolean, Connection, Date, Engine, Float, Integer, Select, Table, column, func, true
from sqlalchemy import select as sa_select
from sqlalchemy.types import TypeEngine
from sqlmodel import col, select

from config import Deployment, Scoring
from scoring import FitRule, ScoringInputs, ScoringParams, ScoringResult, score_portfolio
from scoring.change import COVERAGE
from scoring.params import HealthParams, PipelineParams, ScoreParams, ScoreWeights, TierThresholds, ValueParams
from scoring.quality import warning_records
from scoring.score import component_weights
from sync.errors import StoreError
from sync.scores.coverage_store import coverage_input
from sync.scores.owners import stored_segments
from sync.store.columns import Money, UTCDateTime
from sync.store.currency import crm_currencies, currency_of, effective_rates
from sync.store.engine import session
from sync.store.sqlite_read import SqliteReadError, read_sqlite
from sync.store.tables import (
    Account,
    AccountScore,
    Opportunity,
    ProductLine,
    ScoringRun,
    StageHistory,
    StageMeta,
    Usage,
    utcnow,
)

TOP_COLUMNS = ("rank", "key", "name", "tier", "score", "arr", "headroom", "reasons")
NOT_FIGURES = frozenset({"key", "rank", "score", "tier", "reasons", "change_reason", "name"})
MAX_STORED_WARNINGS = 5000
_BATCH_ROWS = 50_000
PREVIOUS_COLUMNS = ("fit", "potential", "momentum", "health_component", "headroom", "weighted_pipeline", "recent_wins",
                    "coverage_component")  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScoringOutcome:
    """A stored scoring run."""

    scoring_run_id: int
    result: ScoringResult


def params_from_config(scoring: Scoring, corporate: str, stage_probabilities: dict[str, float]) -> ScoringParams:
    """Map the YAML's scoring section onto the engine's parameters."""
    rules: list[FitRule] = []
    for rule in scoring.icp:
        if rule.industries is not None:
            rules.append(FitRule.industries(set(rule.industries), rule.points))
        elif rule.countries is not None:
            rules.append(FitRule.countries(set(rule.countries), rule.points))
        else:
            rules.append(FitRule.employee_band(rule.min_employees, rule.max_employees, rule.points))
    h, t = scoring.health_weights, scoring.tiers
    return ScoringParams(
        currency=corporate,
        window_months=scoring.window_months,
        value=ValueParams(scoring.gross_margin, scoring.max_lifetime_years, dict(scoring.wallet_ratios)),
        pipeline=PipelineParams(stage_probabilities=stage_probabilities),
        health=HealthParams(h.utilisation, h.usage_trend, h.renewal_proximity, h.engagement_recency),
        score=ScoreParams(
            _score_weights(scoring),
            TierThresholds(t.a, t.b, t.c),
            tuple(rules),
            scoring.prospect_health,
            coverage_weight=scoring.account_mapping.weight,
        ),
    )


def configured_weights(scoring: Scoring) -> dict[str, float]:
    """Each score component's weight as the config sets it, by its column name, the coverage component's too
    (what the account page shows beside each component's value)."""
    return component_weights(_score_weights(scoring)) | {COVERAGE: scoring.account_mapping.weight}


def _score_weights(scoring: Scoring) -> ScoreWeights:
    w = scoring.weights
    return ScoreWeights(w.fit, w.potential, w.momentum, w.health)


def _frames(engine: Engine, selects: dict[str, Select[Any]]) -> dict[str, pl.DataFrame]:
    """Each select's rows as a frame, typed from its columns: money as float64, times as aware UTC.

    Never the ORM's per-value type processing nor a Python object per value (too slow for millions of rows):
    Arrow's drivers fill columns in C that polars takes as they are. PostgreSQL: ADBC over a binary COPY
    (money cast to float8, the same number as `float(Decimal)`). SQLite: ADBC's driver in a child process of
    its own (`sync.store.sqlite_read`, which says why), every select in one read transaction.
    """
    kinds = {name: {c.name: _kind(c.type) for c in stmt.selected_columns} for name, stmt in selects.items()}
    sql = {name: str(stmt.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
           for name, stmt in selects.items()}  # fmt: skip
    if engine.dialect.name == "postgresql":
        uri = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        raw = {name: _arrow(adbc_driver_postgresql.connect(uri), _postgresql_sql(sql[name], kinds[name]))
               for name in selects}  # fmt: skip
    else:
        path = engine.url.database
        if not path or path == ":memory:":
            raise StoreError("scoring reads an SQLite store from its file; an in-memory store has none")
        try:
            raw = read_sqlite(path, {name: (sql[name], kinds[name]) for name in selects})
        except SqliteReadError as exc:
            raise StoreError(f"could not read the store {path} for scoring: {exc}") from None
    return {name: _typed(raw[name], kinds[name]) for name in selects}


def _arrow(database: AdbcDatabase, sql: str) -> pl.DataFrame:
    """`sql`'s rows, on a connection of their own to `database`, as a frame of the driver's Arrow types."""
    try:
        with AdbcConnection(database) as conn, AdbcStatement(conn) as statement:
            statement.set_sql_query(sql)
            stream, _ = statement.execute_query()
            return pl.DataFrame(stream)
    finally:
        database.close()


def _driver(conn: Connection) -> Any:
    """The driver's own connection (psycopg or sqlite3) under `conn`, in `conn`'s transaction."""
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


def _kind(column_type: TypeEngine[Any]) -> str:
    """How a column comes back from the driver and what it becomes in the frame."""
    for kind, types in _KINDS:
        if isinstance(column_type, types):
            return kind
    return "text"


_KINDS: tuple[tuple[str, type[Any] | tuple[type[Any], ...]], ...] = (
    ("time", UTCDateTime), ("money", Money), ("bool", Boolean), ("date", Date), ("int", Integer), ("float", Float),
)  # fmt: skip


def _typed(raw: pl.DataFrame, kinds: dict[str, str]) -> pl.DataFrame:
    return raw.select(_convert(pl.col(name), kind, raw.schema[name]).alias(name) for name, kind in kinds.items())


def _postgresql_sql(sql: str, kinds: dict[str, str]) -> str:
    # NUMERIC comes back from the driver as opaque text: float8 is the same number, parsed exactly.
    columns = ", ".join(f'q."{n}"::float8' if kind == "money" else f'q."{n}"' for n, kind in kinds.items())
    return f"SELECT {columns} FROM ({sql}) AS q"


def _convert(column: pl.Expr, kind: str, raw: pl.DataType) -> pl.Expr:
    if kind == "time" and raw == pl.String():
        naive = column.str.strip_suffix("+00").str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us")
        return naive.dt.replace_time_zone("UTC")
    if kind == "time":
        return column.cast(pl.Datetime("us", "UTC"))
    if kind == "date":
        return column.str.to_date("%Y-%m-%d") if raw == pl.String() else column.cast(pl.Date)
    if kind == "bool":
        return column.cast(pl.Boolean)
    if kind in ("money", "float"):
        return column.cast(pl.Float64)
    return column.cast(pl.Int64) if kind == "int" else column.cast(pl.String)


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _input_selects(ours: str, own: dict[str, str]) -> dict[str, Select[Any]]:
    """What scoring reads: live accounts, live opportunities and line items, stage history and metadata, usage.

    Money comes with the currency it is in: the record's, else its CRM's corporate currency (`own`, by
    connection), else ours (`ours`: a CRM that does not say, an enrichment source's annual revenue)."""
    a, o, p = _table(Account).c, _table(Opportunity).c, _table(ProductLine).c
    h, u, m = _table(StageHistory).c, _table(Usage).c, _table(StageMeta).c
    return {
        "accounts": sa_select(
            a.key, a.name, a.domain, a.industry, a.employees, a.annual_revenue,
            currency_of(a.currency, None, ours, own).label("currency"), a.country, a.owner, a.parent_key,
            a.wallet_estimate, a.created_at,
        ).where(a.deleted_at.is_(None)),
        "opportunities": sa_select(
            (o.connection + ":" + o.source_id).label("key"), o.account_key, o.amount,
            currency_of(o.currency, o.connection, ours, own).label("currency"), o.stage,
            o.is_closed, o.is_won, o.close_date, o.created_at, o.type, o.recurring, o.term_months, o.start_date,
            o.probability,
        ).where(o.deleted_at.is_(None)),
        "product_lines": sa_select(
            (p.connection + ":" + p.opportunity_source_id).label("key"), p.family, p.total_price
        ).where(p.deleted_at.is_(None)),
        "stage_history": sa_select(
            (h.connection + ":" + h.opportunity_source_id).label("opportunity_key"), h.stage, h.entered_at,
            h.connection,
        ),
        "stage_meta": sa_select(
            m.connection, m.stage, m.label, m.is_closed, m.display_order, m.pipeline, m.pipeline_label,
            m.pipeline_order,
        ),
        "usage": sa_select(u.account_key, u.month, u.active_users, u.licensed_seats),
    }  # fmt: skip


def _opportunities(opps: pl.DataFrame, lines: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    """The live opportunities of the live `accounts`, each with the family of its largest line item."""
    opps = opps.filter(pl.col("account_key").is_in(accounts.get_column("key").implode()))
    if lines.is_empty():
        return opps.with_columns(pl.lit(None, pl.String).alias("product_line"))
    top = (
        lines.sort(["key", "total_price", "family"], descending=[False, True, False], nulls_last=True)
        .group_by("key", maintain_order=True)
        .first()
        .select("key", pl.col("family").alias("product_line"))
    )
    return opps.join(top, on="key", how="left")


def _read(engine: Engine, deployment: Deployment, run: ScoringRun | None) -> tuple[ScoringInputs, pl.DataFrame | None]:
    """The input frames and, when `run` is given, its scores, read together (one snapshot on SQLite)."""
    rates = effective_rates(engine, deployment.currency)
    selects = _input_selects(deployment.currency.corporate, crm_currencies(engine))
    if run is not None:
        selects["previous"] = _previous_select(engine, run.id)
    frames = _frames(engine, selects)
    # One industry vocabulary across the CRMs' picklists (config `vocabulary`) for scoring, KPIs and segments.
    accounts = frames["accounts"].with_columns(pl.col("industry").replace(deployment.vocabulary.industry_map()))
    inputs = ScoringInputs(
        accounts=accounts,
        opportunities=_opportunities(frames["opportunities"], frames["product_lines"], accounts),
        rates=rates.frame(),
        stage_history=frames["stage_history"],
        usage=frames["usage"],
        stage_meta=frames["stage_meta"],
        dated_rates=rates.dated_frame(),
    )
    return inputs, _as_previous(frames.get("previous"), run)


def _as_previous(rows: pl.DataFrame | None, run: ScoringRun | None) -> pl.DataFrame | None:
    """A run's score rows as the engine takes them for 'what changed' (none when there is no such run)."""
    if run is None or rows is None or rows.is_empty():
        return None
    return rows.select("key", pl.lit(run.as_of).alias("scored_at"), "score", *PREVIOUS_COLUMNS)


def read_inputs(engine: Engine, deployment: Deployment) -> ScoringInputs:
    """The live store as the scoring engine's input frames (money as float64, times as aware UTC)."""
    inputs, _ = _read(engine, deployment, None)
    return inputs


def stage_probabilities(engine: Engine) -> dict[str, float]:
    """Stage -> default probability from the CRMs' stage metadata."""
    with session(engine) as s:
        rows = s.exec(select(StageMeta).where(col(StageMeta.probability).is_not(None))).all()
    return {r.stage: float(r.probability) for r in rows if r.probability is not None}


def _last_run(engine: Engine) -> ScoringRun | None:
    with session(engine) as s:
        return s.exec(select(ScoringRun).order_by(col(ScoringRun.id).desc()).limit(1)).first()


def previous_scores(engine: Engine) -> pl.DataFrame | None:
    """The last scoring run's scores and components (for 'what changed')."""
    run = _last_run(engine)
    if run is None:
        return None
    return _as_previous(_frames(engine, {"previous": _previous_select(engine, run.id)})["previous"], run)


def _previous_select(engine: Engine, run_id: int | None) -> Select[Any]:
    """A run's key, score and score components, taken out of the figures' JSON by the database (decoding
    every row's figures in polars costs gigabytes at a million accounts). PostgreSQL parses each row's JSON
    once into a record; SQLite caches a row's parsed JSON between its extracts."""
    c = _table(AccountScore).c
    stmt = sa_select(c.account_key.label("key"), c.score).where(c.scoring_run_id == run_id)
    if engine.dialect.name != "postgresql":
        return stmt.add_columns(*(c.figures[name].as_float().label(name) for name in PREVIOUS_COLUMNS))
    record = func.json_to_record(c.figures).table_valued(*(column(name, Float) for name in PREVIOUS_COLUMNS))
    derived = record.render_derived(name="components", with_types=True)
    return stmt.add_columns(*derived.c).join_from(_table(AccountScore), derived, true())


def load_scoring(engine: Engine, deployment: Deployment) -> tuple[ScoringInputs, ScoringParams, pl.DataFrame | None]:
    """Everything scoring reads from the store: the input frames, the parameters, the last run's scores."""
    params = params_from_config(deployment.scoring, deployment.currency.corporate, stage_probabilities(engine))
    inputs, previous = _read(engine, deployment, _last_run(engine))
    return inputs, params, previous


def compute_scores(engine: Engine, deployment: Deployment, *, as_of: date) -> ScoringResult:
    """Score the live store at `as_of` and store nothing (`score`, `kpis`): 'what changed' compares with the
    last job run's scores."""
    inputs, params, previous = load_scoring(engine, deployment)
    with_people = replace(inputs, coverage=coverage_input(engine, deployment, as_of))
    return score_portfolio(with_people, as_of=as_of, params=params, previous=previous)


def score_store(engine: Engine, deployment: Deployment, *, as_of: date, run_id: int | None = None) -> ScoringOutcome:
    """Score the live store at `as_of` and keep the result as the scoring run of job run `run_id` (the score
    history is per job run: only a job's scoring step calls this)."""
    result = compute_scores(engine, deployment, as_of=as_of)
    return ScoringOutcome(store_result(engine, result, run_id=run_id), result)


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def stage_duration_rows(durations: pl.DataFrame) -> list[dict[str, Any]]:
    """The engine's stage durations as JSON-ready rows, in the engine's pipeline order: connection, pipeline,
    pipeline_label, stage (the CRM's id), label, stays, median_days, p90_days."""
    return [{k: _clean(v) for k, v in row.items()} for row in durations.to_dicts()]


def store_result(engine: Engine, result: ScoringResult, *, run_id: int | None = None) -> int:
    """Insert the scoring run of job run `run_id` (portfolio KPIs with the stage durations) and one score row per
    account."""
    portfolio = {k: _clean(v) for k, v in result.portfolio.__dict__.items()}
    portfolio["stage_durations"] = stage_duration_rows(result.stage_durations)
    if segments := stored_segments(engine, result.accounts):  # per owner name and team (issue #22)
        portfolio["segments"] = segments
    warnings = [w.__dict__ for w in warning_records(result.warnings.head(MAX_STORED_WARNINGS))]
    with session(engine) as s, s.begin():
        run = ScoringRun(run_id=run_id, as_of=result.as_of, created_at=utcnow(), portfolio=portfolio,
                         warnings=[{k: _clean(v) for k, v in w.items()} for w in warnings])  # fmt: skip
        s.add(run)
        s.flush()
        assert run.id is not None
        _insert_scores(s.connection(), _score_rows(run.id, result.accounts))
        return run.id


def _score_rows(run_id: int, accounts: pl.DataFrame) -> pl.DataFrame:
    """`account_score` rows: figures (every other column, NaN and infinities as null, dates ISO) and reasons
    as JSON text, encoded by polars rather than one `json.dumps` per account."""
    present = set(accounts.columns)

    def column(name: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(name).cast(dtype) if name in present else pl.lit(None, dtype)

    score, reasons = column("score", pl.Float64()), column("reasons", pl.List(pl.String()))
    figures = [c for c in accounts.columns if c not in NOT_FIGURES]
    encoded = pl.struct(figures).struct.json_encode() if figures else pl.lit("{}")
    listed = pl.struct(reasons.fill_null(pl.lit([], pl.List(pl.String()))).alias("r")).struct.json_encode()
    return accounts.select(
        pl.lit(run_id, pl.Int64).alias("scoring_run_id"), pl.col("key").alias("account_key"),
        pl.when(score.is_finite()).then(score).alias("score"), column("tier", pl.String()).alias("tier"),
        column("rank", pl.Int64()).alias("rank"), encoded.alias("figures"),
        listed.str.strip_prefix('{"r":').str.strip_suffix("}").alias("reasons"),
        column("change_reason", pl.String()).alias("change_reason"),
    )  # fmt: skip


def _insert_scores(conn: Connection, rows: pl.DataFrame) -> None:
    """Bulk insert through the driver in the session's transaction: COPY on PostgreSQL, executemany on SQLite."""
    table, raw = _table(AccountScore).name, _driver(conn)
    columns = ", ".join(rows.columns)
    if conn.dialect.name == "postgresql":
        # A writer thread sends each block while polars writes the next: the server's parsing, JSON checks and
        # WAL, not our CSV, set the pace.
        with (
            raw.cursor() as cursor,
            cursor.copy(
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", writer=QueuedLibpqWriter(cursor)
            ) as copy,
        ):
            for offset in range(0, rows.height, _BATCH_ROWS):
                block = io.BytesIO()
                rows.slice(offset, _BATCH_ROWS).write_csv(block, include_header=False)
                copy.write(block.getbuffer())
        return
    cursor = raw.cursor()
    (cache,) = cursor.execute("PRAGMA cache_size").fetchone()
    try:
        # A page cache that holds the key index while a million rows go in (the default 2 MB spills it to the
        # WAL over and over): a third less time.
        cursor.execute("PRAGMA cache_size=-262144")
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * rows.width)})", rows.iter_rows())
    finally:
        cursor.execute(f"PRAGMA cache_size={int(cache)}")
        cursor.close()


def ranked_rows(result: ScoringResult, top: int) -> list[dict[str, Any]]:
    """The top accounts with rank, key, name, tier, score, ARR, headroom and reasons."""
    return result.accounts.head(top).select(*TOP_COLUMNS).to_dicts()
