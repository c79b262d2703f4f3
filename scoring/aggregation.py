"""Per-account aggregations over opportunities, declared as data so one pass computes them all.

Each aggregation says what an opportunity contributes (null where it does not count) and how the
contributions reduce. Masking rows before the group-by keeps every reduction a plain column aggregation,
polars' fast path: several times cheaper than filtering inside the aggregation. Money is summed in integer
micro-units, exactly, so sums never depend on row order (a float sum does in its last bits, and ranks and
movement buckets would follow): in 64-bit integers when the caller's bound on every sum allows it, else
in 128-bit ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl

from scoring.arithmetic import MICROS

__all__ = ["Aggregation", "Reduce", "aggregate"]

Reduce = Literal["sum", "min", "max", "distinct"]


@dataclass(frozen=True)
class Aggregation:
    """`name` reduces `value` over an account's opportunities.

    `distinct` counts distinct non-null values; `money` values are summed exactly (see the module).
    """

    name: str
    value: pl.Expr
    reduce: Reduce
    money: bool = False


_INT64_MICROS_LIMIT = 2.0**62 / MICROS  # headroom below 2**63 for rounding


def _per_row(aggregation: Aggregation, micros: pl.DataType) -> pl.Expr:
    if aggregation.money:
        return (aggregation.value * MICROS).round(0).cast(micros).alias(aggregation.name)
    return aggregation.value.alias(aggregation.name)


def _reduced(aggregation: Aggregation) -> list[pl.Expr]:
    column = pl.col(aggregation.name)
    if aggregation.reduce == "distinct":
        return [column.n_unique(), column.null_count().alias(f"{aggregation.name}__nulls")]
    return [getattr(column, aggregation.reduce)()]


def _finished(aggregation: Aggregation) -> pl.Expr:
    column = pl.col(aggregation.name)
    if aggregation.reduce == "distinct":
        nulls = pl.col(f"{aggregation.name}__nulls")
        return (column.cast(pl.Int64()) - (nulls > 0).cast(pl.Int64())).cast(pl.UInt32()).alias(aggregation.name)
    if aggregation.money:
        return (column.cast(pl.Float64()) / MICROS).alias(aggregation.name)
    return column


def aggregate(frame: pl.LazyFrame, by: str, aggregations: Sequence[Aggregation], *, money_bound: float) -> pl.LazyFrame:
    """One row per value of `by` with every aggregation.

    `money_bound` is the caller's promise that no money value, nor any sum of them, exceeds it in magnitude.
    """
    micros = pl.Int64() if money_bound < _INT64_MICROS_LIMIT else pl.Int128()
    return (
        frame.select(by, *[_per_row(aggregation, micros) for aggregation in aggregations])
        .group_by(by)
        .agg([reduced for aggregation in aggregations for reduced in _reduced(aggregation)])
        .select(by, *[_finished(aggregation) for aggregation in aggregations])
    )
