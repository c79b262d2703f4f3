"""Tokens: random, stored as a hash, roles ordered, revocation final, names never reused."""

from __future__ import annotations

import pytest

from sync.access.tokens import ROLES, TokenError, authenticate, create_token, list_tokens, revoke_token


def test_roles_include_the_roles_below_them(lite_store) -> None:
    made = {role: create_token(lite_store, name=role, role=role) for role in ROLES}
    callers = {role: authenticate(lite_store, token) for role, token in made.items()}
    assert [[c is not None and c.may(r) for r in ROLES] for c in callers.values()] == [
        [True, False, False, False],  # metrics: scrapes /metrics and nothing else
        [True, True, False, False],
        [True, True, True, False],
        [True, True, True, True],
    ]


@pytest.mark.parametrize(
    ("name", "role", "problem"),
    [("x", "root", "unknown role"), ("", "viewer", "1 to 128"), ("dup", "viewer", "exists")],
)
def test_a_bad_token_request_is_refused_with_its_reason(lite_store, name, role, problem) -> None:
    create_token(lite_store, name="dup", role="viewer")
    with pytest.raises(TokenError, match=problem):
        create_token(lite_store, name=name, role=role)


def test_a_revoked_token_stays_listed_and_never_authenticates_again(lite_store) -> None:
    token = create_token(lite_store, name="old", role="admin")
    revoke_token(lite_store, name="old")
    assert authenticate(lite_store, token) is None
    [listed] = list_tokens(lite_store)
    assert listed.revoked_at is not None
    with pytest.raises(TokenError, match="no live token"):
        revoke_token(lite_store, name="old")


@pytest.mark.parametrize("presented", ["", "as_", "Bearer x", "as_" + "a" * 300, "not-ours"])
def test_junk_never_authenticates(lite_store, presented) -> None:
    create_token(lite_store, name="real", role="admin")
    assert authenticate(lite_store, presented) is None
