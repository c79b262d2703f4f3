"""A world's monthly product usage as a CSV file (domain, month, active_users, licensed_seats): what an
accountsync enrichment source of kind `usage` reads, matched by domain, for a sandbox serving that world."""

from __future__ import annotations

import csv
from pathlib import Path

from sandbox.world import WorldSpec, companies, usage

__all__ = ["USAGE_COLUMNS", "write_usage_file"]

USAGE_COLUMNS = ("domain", "month", "active_users", "licensed_seats")


def write_usage_file(spec: WorldSpec, path: Path) -> int:
    """Write every live company's monthly usage (public mail domains and merged or deleted companies have
    none); returns the rows written. The file appears whole (written beside it, then renamed)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    rows = 0
    with tmp.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(USAGE_COLUMNS)
        for company in companies(spec):
            if company.deleted or company.merged_into is not None or company.public_domain:
                continue
            for month, active, seats in usage(spec, company):
                writer.writerow((company.domain, month.isoformat(), active, seats))
                rows += 1
    tmp.replace(path)
    return rows
