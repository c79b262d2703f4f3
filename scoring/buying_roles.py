"""Buying roles of contacts (docs/account-mapping.md): CRM contact roles first, then ordered title rules.

Pure: a title and the contact's CRM roles in, the role and the rule that gave it out. Titles are matched after
Unicode NFKC normalisation (full-width `ＣＩＯ` reads as `CIO`), case-insensitively.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from config.account_mapping import AccountMapping, BuyingRole, RoleRule

__all__ = ["Classification", "Classifier", "classifier_for", "classify"]

UNKNOWN_RULE = "none"


@dataclass(frozen=True, slots=True)
class Classification:
    """A contact's buying role and the rule that matched: `crm_role:<label>`, `title:<rule name>`, or `none`."""

    role: BuyingRole
    rule: str


@dataclass(frozen=True, slots=True)
class _Compiled:
    name: str
    role: BuyingRole
    regex: re.Pattern[str]


class Classifier:
    """The account-mapping rules compiled once."""

    def __init__(self, rules: Sequence[RoleRule], crm_roles: Mapping[str, BuyingRole]) -> None:
        self._rules = tuple(_Compiled(r.name, r.role, re.compile(r.pattern, re.IGNORECASE)) for r in rules)
        self._crm_roles = {label.casefold(): (label, role) for label, role in crm_roles.items()}

    def classify(self, title: str | None, crm_roles: Iterable[str | None] = ()) -> Classification:
        """The buying role of a contact with this title and these CRM contact roles (deal roles, labels)."""
        for label in crm_roles:
            found = self._crm_roles.get(label.casefold()) if label else None
            if found is not None:
                return Classification(found[1], f"crm_role:{found[0]}")
        text = unicodedata.normalize("NFKC", title or "").strip()
        if text:
            for rule in self._rules:
                if rule.regex.search(text):
                    return Classification(rule.role, f"title:{rule.name}")
        return Classification("unknown", UNKNOWN_RULE)


@lru_cache(maxsize=8)
def _compiled(settings_json: str) -> Classifier:
    settings = AccountMapping.model_validate_json(settings_json)
    return Classifier(settings.rules, settings.crm_roles)


def classifier_for(settings: AccountMapping) -> Classifier:
    """The settings' rules compiled (once per distinct settings)."""
    return _compiled(settings.model_dump_json())


def classify(settings: AccountMapping, title: str | None, crm_roles: Iterable[str | None] = ()) -> Classification:
    """`classifier_for(settings).classify(title, crm_roles)`."""
    return classifier_for(settings).classify(title, crm_roles)
