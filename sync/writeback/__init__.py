"""The write-back wing: figures formatted once, a plan of changed values per CRM field, batches sent with a
write-ahead ledger, and the written fields read back as a rep sees them."""

from __future__ import annotations

from sync.writeback.plan import latest_scores
from sync.writeback.readback import read_back
from sync.writeback.target_lists import publish_target_lists

__all__ = ["latest_scores", "publish_target_lists", "read_back"]
