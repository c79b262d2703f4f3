"""The public surface of `sync.scores`, read by type checkers and, at run time, by `lazy_loader`
(see __init__.py)."""

from .account_map import account_map
from .cohort_kpis import cohort_report
from .owners import owner_segment_rows
from .ranking import AccountFilter, AccountPublic, account_detail, latest_kpis, ranked_accounts
from .review_inputs import OUTCOMES, ReviewError, ReviewProgress, ReviewRequest, run_review
from .review_report import long_rows, review_report
from .scoring import compute_scores, configured_weights, ranked_rows, stage_duration_rows

__all__ = [
    "OUTCOMES",
    "AccountFilter",
    "AccountPublic",
    "ReviewError",
    "ReviewProgress",
    "ReviewRequest",
    "account_detail",
    "account_map",
    "cohort_report",
    "compute_scores",
    "configured_weights",
    "latest_kpis",
    "long_rows",
    "owner_segment_rows",
    "ranked_accounts",
    "ranked_rows",
    "review_report",
    "run_review",
    "stage_duration_rows",
]
