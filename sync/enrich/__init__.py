"""The enrichment wing: usage and account data from files or a read-only SQL source, matched to accounts,
checked, and written with counted upserts."""

from __future__ import annotations

from sync.enrich.run import EnrichSourceSummary, EnrichSummary, run_enrichment
from sync.enrich.sources import EnrichError, EnrichSourceError

__all__ = ["EnrichError", "EnrichSourceError", "EnrichSourceSummary", "EnrichSummary", "run_enrichment"]
