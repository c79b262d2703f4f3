"""KPIs per segment: industry, owner, country, tier."""

from __future__ import annotations

from datetime import date

import pytest

from scoring import ParameterError


def test_segment_kpis_split_the_portfolio_by_industry(portfolio):
    portfolio.account("A", industry="Retail").contract("a1", "A", 100, date(2025, 1, 1))
    portfolio.account("B", industry="Retail").contract("b1", "B", 300, date(2026, 1, 1))
    portfolio.account("C", industry="Energy").contract("c1", "C", 50, date(2025, 3, 1))
    portfolio.account("D", industry=None)
    segments = portfolio.score().segments("industry")
    assert segments.select("industry", "accounts", "customers", "arr", "new", "churn", "logo_churn_rate").rows() == [
        ("Energy", 1, 0, 0.0, 0.0, 50.0, 1.0),
        ("Retail", 2, 1, 300.0, 300.0, 100.0, 1.0),
        (None, 1, 0, 0.0, 0.0, 0.0, None),
    ]


def test_segment_kpis_by_tier_cover_every_account(portfolio):
    for key in "ABCDE":
        portfolio.account(key, annual_revenue=float(ord(key)))
    segments = portfolio.score().segments("tier")
    assert segments.get_column("accounts").sum() == 5
    assert set(segments.get_column("tier").to_list()) <= {"A", "B", "C", "D"}


def test_unknown_segment_is_refused(portfolio):
    with pytest.raises(ParameterError, match="unknown segment 'region'"):
        portfolio.account("A").score().segments("region")  # type: ignore[arg-type]
