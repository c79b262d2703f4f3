"""The write-back wing: figures formatted once, a plan of changed values per CRM field, batches sent with a
write-ahead ledger, and the written fields read back as a rep sees them."""

from __future__ import annotations

from sync.writeback.plan import latest_scores
from sync.writeback.readback import read_back

__all__ = ["latest_scores", "read_back"]
