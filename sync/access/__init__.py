"""The access wing: admin-API bearer tokens with roles, and dashboard sessions kept on the server."""

from __future__ import annotations

from sync.access.sessions import LIFETIME, end_session, form_key, open_session, session_caller
from sync.access.tokens import ROLES, Caller, TokenError, authenticate, create_token, list_tokens, revoke_token

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
