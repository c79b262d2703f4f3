"""The public surface of `sync.writeback`, read by type checkers and, at run time, by `lazy_loader`
(see __init__.py)."""

from .plan import latest_scores
from .readback import read_back
from .target_lists import publish_target_lists

__all__ = [
    "latest_scores",
    "publish_target_lists",
    "read_back",
]
