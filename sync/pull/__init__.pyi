"""The public surface of `sync.pull`, read by type checkers and, at run time, by `lazy_loader`
(see __init__.py)."""

from .account_resync import AccountNotFound, resolve_account, resync_account
from .stream import NoProgress, ProgressSink

__all__ = [
    "AccountNotFound",
    "NoProgress",
    "ProgressSink",
    "resolve_account",
    "resync_account",
]
