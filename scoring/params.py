"""Every tunable of kpis.md as frozen dataclasses, checked for what the spec can mean.

The defaults are declared once, in the config's models (`config/models.py`, what a RevOps user reads in
`config describe`); the engine's parameters take them from there."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from config.models import HealthWeights, Scoring, Tiers
from config.models import ScoreWeights as ConfigWeights
from scoring.errors import ParameterError

__all__ = [
    "CATEGORICAL_FIT_FIELDS",
    "FitField",
    "FitRule",
    "HealthParams",
    "PipelineParams",
    "ScoreParams",
    "ScoreWeights",
    "ScoringParams",
    "TierThresholds",
    "ValueParams",
]

FitField = Literal["industry", "country", "employees", "annual_revenue"]
CATEGORICAL_FIT_FIELDS: frozenset[str] = frozenset({"industry", "country"})


_SCORING, _WEIGHTS, _HEALTH, _TIERS = Scoring(), ConfigWeights(), HealthWeights(), Tiers()


def _require(ok: bool, name: str, problem: str) -> None:
    if not ok:
        raise ParameterError(name, problem)


def _frozen_map(values: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True)
class FitRule:
    """One ICP rule: an account matching it earns `points` toward fit (section 7).

    Categorical rules (`industry`, `country`) match when the value is in `values`, case-insensitively.
    Numeric rules (`employees`, `annual_revenue`) match when `low <= value < high`; a missing bound is open.
    """

    field: FitField
    points: float
    values: frozenset[str] = frozenset()
    low: float | None = None
    high: float | None = None

    def __post_init__(self) -> None:
        name = f"fit rule on {self.field}"
        _require(math.isfinite(self.points), name, "points must be finite")
        if self.field in CATEGORICAL_FIT_FIELDS:
            _require(bool(self.values), name, "needs at least one value")
            _require(self.low is None and self.high is None, name, "a categorical rule takes no bounds")
        else:
            _require(not self.values, name, "a numeric rule takes bounds, not values")
            _require(self.low is not None or self.high is not None, name, "needs low or high")
            if self.low is not None and self.high is not None:
                _require(self.low < self.high, name, "low must be below high")

    @classmethod
    def industries(cls, names: frozenset[str] | set[str], points: float) -> FitRule:
        """Points for an account whose industry is in the ICP list."""
        return cls(field="industry", points=points, values=frozenset(names))

    @classmethod
    def countries(cls, codes: frozenset[str] | set[str], points: float) -> FitRule:
        """Points for an account in one of the given countries."""
        return cls(field="country", points=points, values=frozenset(codes))

    @classmethod
    def employee_band(cls, low: float | None, high: float | None, points: float) -> FitRule:
        """Points for an account with `low <= employees < high`."""
        return cls(field="employees", points=points, low=low, high=high)


@dataclass(frozen=True)
class ValueParams:
    """Customer value (section 3)."""

    gross_margin: float = _SCORING.gross_margin
    max_lifetime_years: float = _SCORING.max_lifetime_years
    wallet_ratio: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require(0.0 <= self.gross_margin <= 1.0, "gross_margin", "must be within 0..1")
        _require(self.max_lifetime_years > 0, "max_lifetime_years", "must be above 0")
        for industry, ratio in self.wallet_ratio.items():
            _require(ratio >= 0, f"wallet_ratio[{industry}]", "must not be negative")
        object.__setattr__(self, "wallet_ratio", _frozen_map(self.wallet_ratio))


@dataclass(frozen=True)
class PipelineParams:
    """Pipeline and process (section 5).

    `stage_probabilities` is the CRM stage metadata used when an opportunity has no probability of its own.
    Which stages are closed comes from the stage metadata frame (`ScoringInputs.stage_meta`).
    """

    stage_probabilities: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for stage, probability in self.stage_probabilities.items():
            _require(0.0 <= probability <= 1.0, f"stage_probabilities[{stage}]", "must be within 0..1")
        object.__setattr__(self, "stage_probabilities", _frozen_map(self.stage_probabilities))


@dataclass(frozen=True)
class HealthParams:
    """Health score weights and bounds (section 6)."""

    utilisation_weight: float = _HEALTH.utilisation
    trend_weight: float = _HEALTH.usage_trend
    renewal_weight: float = _HEALTH.renewal_proximity
    engagement_weight: float = _HEALTH.engagement_recency
    trend_bound: float = 0.5
    renewal_full_days: int = 180
    engagement_full_days: int = 30
    engagement_zero_days: int = 365

    def __post_init__(self) -> None:
        for name in ("utilisation_weight", "trend_weight", "renewal_weight", "engagement_weight"):
            _require(getattr(self, name) >= 0, name, "must not be negative")
        _require(self.trend_bound > 0, "trend_bound", "must be above 0")
        _require(self.renewal_full_days > 0, "renewal_full_days", "must be above 0")
        _require(self.engagement_full_days >= 0, "engagement_full_days", "must not be negative")
        _require(
            self.engagement_zero_days > self.engagement_full_days,
            "engagement_zero_days",
            "must be above engagement_full_days",
        )


@dataclass(frozen=True)
class ScoreWeights:
    """Weights of the four score components (section 7)."""

    fit: float = _WEIGHTS.fit
    potential: float = _WEIGHTS.potential
    momentum: float = _WEIGHTS.momentum
    health: float = _WEIGHTS.health

    def __post_init__(self) -> None:
        for name in ("fit", "potential", "momentum", "health"):
            _require(getattr(self, name) >= 0, f"weights.{name}", "must not be negative")


@dataclass(frozen=True)
class TierThresholds:
    """Lowest score of tiers A, B and C; anything below `c` is D."""

    a: float = _TIERS.a
    b: float = _TIERS.b
    c: float = _TIERS.c

    def __post_init__(self) -> None:
        _require(self.a >= self.b >= self.c, "tiers", "thresholds must satisfy a >= b >= c")


@dataclass(frozen=True)
class ScoreParams:
    """Account score, tier and rank (section 7)."""

    weights: ScoreWeights = field(default_factory=ScoreWeights)
    tiers: TierThresholds = field(default_factory=TierThresholds)
    fit_rules: tuple[FitRule, ...] = ()
    prospect_health: float = _SCORING.prospect_health
    recent_win_days: int = 90
    coverage_weight: float = 0.0  # the coverage component's weight, beside `weights` (docs/account-mapping.md)

    def __post_init__(self) -> None:
        _require(0.0 <= self.prospect_health <= 100.0, "prospect_health", "must be within 0..100")
        _require(self.coverage_weight >= 0.0, "coverage_weight", "must not be negative")
        _require(self.recent_win_days >= 0, "recent_win_days", "must not be negative")


@dataclass(frozen=True)
class ScoringParams:
    """All tunables of a scoring run; the lead maps the YAML config onto this."""

    currency: str = "USD"
    window_months: int = _SCORING.window_months
    value: ValueParams = field(default_factory=ValueParams)
    pipeline: PipelineParams = field(default_factory=PipelineParams)
    health: HealthParams = field(default_factory=HealthParams)
    score: ScoreParams = field(default_factory=ScoreParams)

    def __post_init__(self) -> None:
        _require(bool(self.currency.strip()), "currency", "must not be empty")
        _require(self.window_months >= 1, "window_months", "must be at least 1")
