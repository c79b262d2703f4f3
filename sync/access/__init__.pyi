"""The public surface of `sync.access`, read by type checkers and by `lazy_loader` (see __init__.py)."""

from .roles import ROLES
from .sessions import LIFETIME, end_session, form_key, open_session, session_caller
from .tokens import Caller, TokenError, authenticate, create_token, list_tokens, revoke_token

__all__ = [
    "LIFETIME",
    "ROLES",
    "Caller",
    "TokenError",
    "authenticate",
    "create_token",
    "end_session",
    "form_key",
    "list_tokens",
    "open_session",
    "revoke_token",
    "session_caller",
]
