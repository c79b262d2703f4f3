"""The scores wing: the store read into scoring's frames, money converted with the stored rates, the portfolio
scored (stored only by a job run), and read-only views of the latest scores."""

from __future__ import annotations

from sync.scores.account_map import account_map
from sync.scores.cohort_kpis import cohort_report
from sync.scores.owners import owner_segment_rows
from sync.scores.ranking import AccountFilter, AccountPublic, account_detail, latest_kpis, ranked_accounts
from sync.scores.review_inputs import OUTCOMES, ReviewError, ReviewRequest, run_review
from sync.scores.review_report import long_rows, review_report
from sync.scores.scoring import compute_scores, ranked_rows, stage_duration_rows

__all__ = [
    "OUTCOMES",
    "AccountFilter",
    "AccountPublic",
    "ReviewError",
    "ReviewRequest",
    "account_detail",
    "account_map",
    "cohort_report",
    "compute_scores",
    "latest_kpis",
    "long_rows",
    "owner_segment_rows",
    "ranked_accounts",
    "ranked_rows",
    "review_report",
    "run_review",
    "stage_duration_rows",
]
