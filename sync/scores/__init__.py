"""The scores wing: the store read into scoring's frames, money converted with the stored rates, the portfolio
scored (stored only by a job run), and read-only views of the latest scores."""

from __future__ import annotations

from sync.scores.ranking import AccountFilter, account_detail, latest_kpis, ranked_accounts
from sync.scores.scoring import compute_scores, ranked_rows, stage_duration_rows

__all__ = [
    "AccountFilter",
    "account_detail",
    "compute_scores",
    "latest_kpis",
    "ranked_accounts",
    "ranked_rows",
    "stage_duration_rows",
]
