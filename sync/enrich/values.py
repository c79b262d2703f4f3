"""Enrichment values parsed from text and checked, as polars expressions: months, counts, money and labels."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from sync.enrich.sources import ROW_PROBLEM

PROBLEM = "_problem"
NUMBER = r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?$"  # 1234, 1,234, 1234.50; not 1e3, not 1.234,5
MONTH = r"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?:[T ].*)?$"  # 2026-03, 2026-03-15, 2026-03-15T10:00:00
MAX_INT = 2_147_483_647  # the store's INTEGER
MAX_MONEY = 10**18  # the store's NUMERIC(28, 10): 18 digits before the point
MAX_TEXT = 128


@dataclass(frozen=True, slots=True)
class Check:
    """One rule a row can break: `failed` is true for the rows that break it, `shown` the offending text."""

    reason: str
    failed: pl.Expr
    shown: pl.Expr | None = None

    def message(self) -> pl.Expr:
        """`reason ('text')`."""
        return pl.lit(self.reason) if self.shown is None else pl.format(f"{self.reason} ('{{}}')", self.shown)


@dataclass(frozen=True, slots=True)
class Parsed:
    """How a source's rows are read: `stages` of helper columns (each computed once, a stage may use the ones
    before it), then the typed value columns (our names) and the checks, which use the helper columns."""

    stages: tuple[dict[str, pl.Expr], ...] = ({}, {})
    values: dict[str, pl.Expr] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)


def text(column: str) -> pl.Expr:
    """The column's text, trimmed; empty text is missing."""
    trimmed = pl.col(column).str.strip_chars()
    return pl.when(trimmed.str.len_chars() > 0).then(trimmed)


def month_start(this_month: date) -> Parsed:
    """`month` as the first day of its month; missing, unparseable and future months fail."""
    raw, month = pl.col("_month_text"), pl.col("_month")
    parts = raw.str.extract_groups(MONTH)
    day = pl.format("{}-{}-{}", parts.struct.field("1"), parts.struct.field("2").str.zfill(2),
                    parts.struct.field("3").fill_null("1").str.zfill(2))  # fmt: skip
    return Parsed(
        ({"_month_text": text("month")}, {"_month": day.str.to_date("%Y-%m-%d", strict=False).dt.month_start()}),
        {"month": month},
        [
            Check("month is missing", raw.is_null()),
            Check("month is not a month (YYYY-MM) or a date", raw.is_not_null() & month.is_null(), raw),
            Check("month is in the future", month > pl.lit(this_month), raw),
        ],
    )


def whole_number(column: str) -> Parsed:
    """A count: a whole number >= 0 (`12`, `12.0`, `1,200`); missing is allowed."""
    raw, is_number, value = pl.col(f"_{column}_text"), pl.col(f"_{column}_ok"), pl.col(f"_{column}")
    whole = raw.str.replace_all(",", "").str.replace(r"\.0*$", "").cast(pl.Int64, strict=False)
    return Parsed(
        ({f"_{column}_text": text(column)}, {f"_{column}_ok": raw.str.contains(NUMBER), f"_{column}": whole}),
        {column: pl.when(is_number).then(value)},
        [
            Check(f"{column} is not a number", raw.is_not_null() & ~is_number, raw),
            Check(f"{column} is not a whole number", is_number & value.is_null(), raw),
            Check(f"{column} is negative", value < 0, raw),
            Check(f"{column} is too large", value > MAX_INT, raw),
        ],
    )


def money(column: str) -> Parsed:
    """An amount >= 0 in the corporate currency, kept as exact text for `Decimal`; missing is allowed."""
    raw, is_number, plain = pl.col(f"_{column}_text"), pl.col(f"_{column}_ok"), pl.col(f"_{column}")
    amount = plain.cast(pl.Float64, strict=False)
    stage = {f"_{column}_ok": raw.str.contains(NUMBER), f"_{column}": raw.str.replace_all(",", "")}
    return Parsed(
        ({f"_{column}_text": text(column)}, stage),
        {column: pl.when(is_number).then(plain)},
        [
            Check(f"{column} is not a number", raw.is_not_null() & ~is_number, raw),
            Check(f"{column} is negative", is_number & (amount < 0), raw),
            Check(f"{column} is too large", is_number & (amount.abs() >= MAX_MONEY), raw),
        ],
    )


def label(column: str) -> Parsed:
    """A short text such as an industry; missing is allowed."""
    raw = pl.col(f"_{column}_text")
    too_long = Check(f"{column} is longer than {MAX_TEXT} characters", raw.str.len_chars() > MAX_TEXT)
    return Parsed(({f"_{column}_text": text(column)}, {}), {column: raw}, [too_long])


def usage_rules(present: Collection[str], this_month: date) -> Parsed:
    """Month, active users and licensed seats; a row needs at least one of the two counts."""
    counts = [c for c in ("active_users", "licensed_seats") if c in present]
    nothing = pl.all_horizontal([pl.col(f"_{c}_text").is_null() for c in counts])
    return _combine(
        [month_start(this_month), *(whole_number(c) for c in counts)], Check(f"no {' or '.join(counts)}", nothing)
    )


def account_rules(present: Collection[str]) -> Parsed:
    """Wallet estimate, employees, annual revenue and industry; a row needs at least one of them."""
    kinds = {"wallet_estimate": money, "employees": whole_number, "annual_revenue": money, "industry": label}
    given = [c for c in kinds if c in present]
    nothing = pl.all_horizontal([pl.col(f"_{c}_text").is_null() for c in given])
    return _combine([kinds[c](c) for c in given], Check(f"no {', '.join(given)}", nothing))


def _combine(parts: list[Parsed], extra: Check) -> Parsed:
    combined = Parsed(({}, {}))
    for part in parts:
        for mine, theirs in zip(combined.stages, part.stages, strict=True):
            mine.update(theirs)
        combined.values.update(part.values)
        combined.checks.extend(part.checks)
    combined.checks.append(extra)
    return combined


def apply_rules(frame: pl.DataFrame, rules: Parsed) -> tuple[pl.DataFrame, Counter[str]]:
    """The frame with typed values and `_problem` (every failed check, `; `-separated, or null); and how many
    rows failed each check. Messages are built for the failing rows only (usually few)."""
    checks = list(rules.checks)
    if ROW_PROBLEM in frame.columns:  # a malformed record: its fields do not line up with the header
        checks.insert(0, Check("row does not match the header", pl.col(ROW_PROBLEM).is_not_null(), pl.col(ROW_PROBLEM)))
    staged = frame.with_row_index("_i")
    for stage in rules.stages:
        staged = staged.with_columns(**stage)
    flags = [f"_f{i}" for i in range(len(checks))]
    staged = staged.with_columns(*[c.failed.fill_null(False).alias(f) for c, f in zip(checks, flags, strict=True)])
    sums = staged.select(pl.col(flags).sum()).row(0)
    counts = Counter({c.reason: int(n) for c, n in zip(checks, sums, strict=True) if n})
    failing = staged.filter(pl.any_horizontal(flags))
    messages = [pl.when(pl.col(f)).then(c.message()) for c, f in zip(checks, flags, strict=True)]
    problems = failing.select("_i", pl.concat_str(messages, separator="; ", ignore_nulls=True).alias(PROBLEM))
    helpers = [name for stage in rules.stages for name in stage]
    typed = staged.with_columns(**rules.values).join(problems, on="_i", how="left", maintain_order="left")
    return typed.drop("_i", *flags, *helpers, ROW_PROBLEM, strict=False), counts
