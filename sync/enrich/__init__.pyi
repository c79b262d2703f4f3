"""The public surface of `sync.enrich`, read by type checkers and, at run time, by `lazy_loader`
(see __init__.py)."""

from .run import EnrichSourceSummary, EnrichSummary, run_enrichment
from .sources import EnrichError, EnrichSourceError

__all__ = [
    "EnrichError",
    "EnrichSourceError",
    "EnrichSourceSummary",
    "EnrichSummary",
    "run_enrichment",
]
