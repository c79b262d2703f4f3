"""Parsing and validating a CRM search body with HubSpot's limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sandbox.hubspot.errors import ValidationError

__all__ = [
    "MAX_BODY_CHARS",
    "MAX_FILTERS",
    "MAX_FILTERS_PER_GROUP",
    "MAX_GROUPS",
    "MAX_LIMIT",
    "RESULT_WINDOW",
    "Filter",
    "SearchRequest",
    "parse_search",
]

OPERATORS: Final = frozenset({
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
})  # fmt: skip
_NEEDS_VALUE: Final = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"})
MAX_GROUPS: Final = 5
MAX_FILTERS_PER_GROUP: Final = 6
MAX_FILTERS: Final = 18
MAX_LIMIT: Final = 200
MAX_IN_VALUES: Final = 100
MAX_BODY_CHARS: Final = 3000
RESULT_WINDOW: Final = 10_000
DEFAULT_LIMIT: Final = 10


@dataclass(frozen=True, slots=True)
class Filter:
    property: str
    operator: str
    value: str | None = None
    high: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchRequest:
    groups: tuple[tuple[Filter, ...], ...]
    sort: tuple[str, bool] | None  # (property, descending)
    query: str | None
    properties: tuple[str, ...] | None
    limit: int
    after: int

    def cache_key(self) -> tuple[object, ...]:
        """What decides the matching rows and their order (not the page nor the properties shown)."""
        return (self.groups, self.sort, self.query)


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


def _filter(raw: Any) -> Filter:
    if not isinstance(raw, dict):
        raise ValidationError("Invalid input JSON: a filter must be an object")
    name, operator = raw.get("propertyName"), raw.get("operator", "EQ")
    if not isinstance(name, str) or not name:
        raise ValidationError("Invalid input JSON: filter is missing required field propertyName")
    if operator not in OPERATORS:
        raise ValidationError(f"Invalid input JSON: Cannot deserialize value of type `FilterOperator` from "
                              f"String \"{operator}\": not one of the values accepted for Enum class: "
                              f"[{', '.join(sorted(OPERATORS))}]")  # fmt: skip
    values = raw.get("values") or []
    if not isinstance(values, list):
        raise ValidationError("Invalid input JSON: values must be a list")
    out = Filter(name, operator, _text(raw.get("value")), _text(raw.get("highValue")),
                 tuple(str(v).strip() for v in values))  # fmt: skip
    _check_operands(out)
    return out


def _check_operands(f: Filter) -> None:
    if f.operator in _NEEDS_VALUE and f.value is None:
        raise ValidationError(f"Operator {f.operator} requires a value for property {f.property}")
    if f.operator == "BETWEEN" and (f.value is None or f.high is None):
        raise ValidationError(f"Operator BETWEEN requires both value and highValue for property {f.property}")
    if f.operator in ("IN", "NOT_IN"):
        if not f.values:
            raise ValidationError(f"Operator {f.operator} requires values for property {f.property}")
        if len(f.values) > MAX_IN_VALUES:
            raise ValidationError(f"Operator {f.operator} accepts at most {MAX_IN_VALUES} values")


def _groups(raw: Any) -> tuple[tuple[Filter, ...], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationError("Invalid input JSON: filterGroups must be a list")
    if len(raw) > MAX_GROUPS:
        raise ValidationError(f"Too many filter groups: {len(raw)}. The maximum is {MAX_GROUPS}.",
                              context={"filterGroups": [str(len(raw))]})  # fmt: skip
    groups = []
    for group in raw:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list) or not filters:
            raise ValidationError("Each filter group must contain at least one filter.")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise ValidationError(f"Too many filters in a filter group: {len(filters)}. The maximum is "
                                  f"{MAX_FILTERS_PER_GROUP}.")  # fmt: skip
        groups.append(tuple(_filter(f) for f in filters))
    total = sum(len(g) for g in groups)
    if total > MAX_FILTERS:
        raise ValidationError(f"Too many filters: {total}. The maximum number of filters across all filter "
                              f"groups is {MAX_FILTERS}.")  # fmt: skip
    return tuple(groups)


def _with_top_level_filters(groups: tuple[tuple[Filter, ...], ...], raw: Any) -> tuple[tuple[Filter, ...], ...]:
    """The older search form's top-level `filters` (ANDed): one group alone, else ANDed into every group."""
    if raw is None or raw == []:
        return groups
    if not isinstance(raw, list):
        raise ValidationError("Invalid input JSON: filters must be a list", context={"filters": [str(raw)[:100]]})
    filters = tuple(_filter(f) for f in raw)
    merged = tuple(g + filters for g in groups) if groups else (filters,)
    if any(len(g) > MAX_FILTERS_PER_GROUP for g in merged) or sum(map(len, merged)) > MAX_FILTERS:
        raise ValidationError(f"Too many filters: the maximum is {MAX_FILTERS_PER_GROUP} per group and "
                              f"{MAX_FILTERS} in all.")  # fmt: skip
    return merged


def _sort(raw: Any) -> tuple[str, bool] | None:
    if raw is None or raw == []:
        return None
    if not isinstance(raw, list):
        raise ValidationError("Invalid input JSON: sorts must be a list")
    if len(raw) > 1:
        raise ValidationError("Only one sort is allowed per search request.")
    item = raw[0]
    if isinstance(item, str):  # the legacy form: "-createdate" / "createdate"
        return (item[1:], True) if item.startswith("-") else (item, False)
    if not isinstance(item, dict) or not isinstance(item.get("propertyName"), str):
        raise ValidationError("Invalid input JSON: a sort needs a propertyName")
    direction = str(item.get("direction", "ASCENDING")).upper()
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValidationError(f"Invalid sort direction {direction}: use ASCENDING or DESCENDING")
    return item["propertyName"], direction == "DESCENDING"


def _paging(body: dict[str, Any]) -> tuple[int, int]:
    raw_limit, raw_after = body.get("limit", DEFAULT_LIMIT), body.get("after", "0")
    try:
        limit = int(raw_limit if raw_limit is not None else DEFAULT_LIMIT)
        after = int(str(raw_after)) if raw_after not in (None, "") else 0
    except ValueError as err:
        raise ValidationError(f"Invalid input JSON: after and limit must be integers ({err})") from err
    if limit < 0 or limit > MAX_LIMIT:
        raise ValidationError(f"limit must be between 0 and {MAX_LIMIT}; {limit} was given",
                              context={"limit": [str(limit)]})  # fmt: skip
    if after < 0:
        raise ValidationError("after must be a non-negative integer")
    if after + limit > RESULT_WINDOW:
        raise ValidationError(
            f"Paging past the first {RESULT_WINDOW} results is not supported: after ({after}) plus limit "
            f"({limit}) exceeds {RESULT_WINDOW}. Narrow your filters to page through more records.",
            context={"after": [str(after)], "limit": [str(limit)]},
        )
    return limit, after


def parse_search(body: Any, raw_chars: int) -> SearchRequest:
    """A validated request, or the VALIDATION_ERROR HubSpot answers."""
    if raw_chars > MAX_BODY_CHARS:
        raise ValidationError(f"The request body is {raw_chars} characters long; search requests are limited "
                              f"to {MAX_BODY_CHARS} characters.")  # fmt: skip
    if not isinstance(body, dict):
        raise ValidationError("Invalid input JSON: the search body must be a JSON object")
    properties = body.get("properties")
    if properties is not None and not isinstance(properties, list):
        raise ValidationError("Invalid input JSON: properties must be a list")
    query = body.get("query")
    limit, after = _paging(body)
    return SearchRequest(
        groups=_with_top_level_filters(_groups(body.get("filterGroups")), body.get("filters")),
        sort=_sort(body.get("sorts")),
        query=str(query) if query not in (None, "") else None,
        properties=tuple(str(p) for p in properties) if properties else None,
        limit=limit,
        after=after,
    )
