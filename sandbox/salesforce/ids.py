"""Salesforce record ids: 18-character, case-insensitive suffix, derived from (key prefix, row index)."""

from __future__ import annotations

from functools import lru_cache
from typing import Final

BASE62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_DIGIT: Final = {c: i for i, c in enumerate(BASE62)}
POD: Final = "8d0"  # instance id (2 chars) + reserved char, as in 0018d00000AbCdEAAV
_COUNTER_LEN: Final = 9
_COUNTER_BASE: Final = 10 * 62**6 + 37 * 62**5 + 12 * 62**4  # "00AbC0000": ids look like real ones

KEY_PREFIXES: Final = {
    "Account": "001",
    "Opportunity": "006",
    "OpportunityHistory": "008",
    "OpportunityLineItem": "00k",
    "User": "005",
    "OpportunityStage": "01J",
    "Product2": "01t",
    "CurrencyType": "01L",
    "DatedConversionRate": "04w",
    "Organization": "00D",
    "CustomField": "00N",
    "PermissionSet": "0PS",
    "FieldPermissions": "01k",
    "PermissionSetAssignment": "0Pa",
    "Contact": "003",
    "OpportunityContactRole": "00K",
    "AccountContactRelation": "07k",
    "Pricebook2": "01s",
    "PricebookEntry": "01u",
    "AccountTeamMember": "01M",
    "Campaign": "701",
    "CampaignMember": "00v",
    "AsyncJob": "750",
    "QueryLocator": "01g",
}


def suffix(id15: str) -> str:
    """The 3-character checksum that makes a 15-character id case-insensitive."""
    out = []
    for chunk in range(3):
        bits = 0
        for pos, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << pos
        out.append(_SUFFIX[bits])
    return "".join(out)


def encode_counter(value: int) -> str:
    chars = []
    for _ in range(_COUNTER_LEN):
        value, rem = divmod(value, 62)
        chars.append(BASE62[rem])
    return "".join(reversed(chars))


def make_id(prefix: str, index: int) -> str:
    """The 18-character id of row `index` of the object with key prefix `prefix`."""
    triples, upper = _tables()
    value = _COUNTER_BASE + index
    high, low = divmod(value, 238_328)
    top, mid = divmod(high, 238_328)
    if top >= 238_328:
        raise OverflowError(index)
    head = prefix + POD
    bits2 = (upper[top] << 1) | ((upper[mid] & 1) << 4)
    bits3 = (upper[mid] >> 1) | (upper[low] << 2)
    return f"{head}{triples[top]}{triples[mid]}{triples[low]}{_head_suffix(head)}{_SUFFIX[bits2]}{_SUFFIX[bits3]}"


@lru_cache(maxsize=64)
def _head_suffix(head: str) -> str:
    return suffix(head + "0" * 9)[0]


@lru_cache(maxsize=1)
def _tables() -> tuple[list[str], bytes]:
    """Every 3-character base-62 string, and for each the bits of its upper-case letters."""
    triples = [a + b + c for a in BASE62 for b in BASE62 for c in BASE62]
    upper = bytes(sum(1 << i for i, ch in enumerate(t) if "A" <= ch <= "Z") for t in triples)
    return triples, upper


def restore_case(id18: str) -> str:
    """The case-sensitive 15-character id an 18-character id stands for (its suffix fixes the case)."""
    out = []
    for chunk in range(3):
        bits = _SUFFIX.find(id18[15 + chunk].upper())
        if bits < 0:
            raise ValueError(id18)
        for pos, char in enumerate(id18[chunk * 5 : chunk * 5 + 5]):
            out.append(char.upper() if bits & (1 << pos) else char.lower())
    return "".join(out)


def canonical(raw: str) -> str | None:
    """The 18-character form of a 15- or 18-character id, or None when it is not an id at all."""
    if len(raw) == 15 and all(c in _DIGIT for c in raw):
        return raw + suffix(raw)
    if len(raw) == 18 and all(c in _DIGIT for c in raw):
        try:
            id15 = restore_case(raw)
        except ValueError:
            return None
        return id15 + suffix(id15)
    return None


def row_index(prefix: str, id18: str) -> int | None:
    """The row index an id of `prefix` names, or None when the id is not one of ours."""
    if not id18.startswith(prefix) or id18[3:6] != POD:
        return None
    value = 0
    for char in id18[6:15]:
        value = value * 62 + _DIGIT[char]
    index = value - _COUNTER_BASE
    return index if index >= 0 else None
