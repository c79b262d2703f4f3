"""REST reads of more fields than one query's URL can carry: the field list split, rows joined on Id.

Salesforce refuses a request whose URI is over 16,384 bytes (414) or whose URI and headers are (431)
(Salesforce Help, article 000386264). A stream with hundreds of configured fields would cross that with one
`GET /queryAll?q=SELECT ...`, so the fields are split into groups that each fit: the first group (with Id and
the cursor) drives the paging and positions; each page's rows then get the other groups' fields by
`WHERE Id IN (...)`, in as many queries as the ids need. A stream that fits makes exactly the calls it did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final
from urllib.parse import quote_plus

from connectors.salesforce.soql import string_literal

URI_BUDGET: Final = 12_000  # characters of URL-encoded SOQL a GET may carry, leaving room for path and headers


def encoded_length(soql: str) -> int:
    """How long `soql` is in a query string (as requests encodes `q=`)."""
    return len(quote_plus(soql))


def field_groups(
    fields: Sequence[str], keep: Sequence[str], fits: Callable[[Sequence[str]], bool]
) -> list[tuple[str, ...]]:
    """`fields` in groups each of which `fits`; every group starts with `keep` (Id, the cursor).

    One group when all of them fit, so an ordinary stream queries as before.
    """
    if fits(fields):
        return [tuple(fields)]
    groups: list[tuple[str, ...]] = []
    current = [f for f in keep if f in fields]
    for name in (f for f in fields if f not in keep):
        if len(current) > len(keep) and not fits([*current, name]):
            groups.append(tuple(current))
            current = [f for f in keep if f in fields]
        current.append(name)
    groups.append(tuple(current))
    return groups


def id_batches(ids: Sequence[str], fixed: int, budget: int = URI_BUDGET) -> Iterator[list[str]]:
    """Consecutive ids whose quoted, comma-joined IN list fits in `budget` beside `fixed` characters."""
    batch: list[str] = []
    used = fixed
    for record_id in ids:
        size = encoded_length(string_literal(record_id)) + 3  # `,` between quoted ids, encoded
        if batch and used + size > budget:
            yield batch
            batch, used = [], fixed
        batch.append(record_id)
        used += size
    if batch:
        yield batch


def join_groups(
    rows: list[dict[str, Any]],
    obj: str,
    groups: Sequence[tuple[str, ...]],
    run: Callable[[str], Iterator[dict[str, Any]]],
) -> None:
    """Fill `rows` (raw REST records of the driving group) with the other groups' fields, by Id."""
    by_id = {str(r.get("Id")): r for r in rows}
    for group in groups:
        stem = f"SELECT {', '.join(group)} FROM {obj} WHERE Id IN ("
        for batch in id_batches(list(by_id), encoded_length(stem) + 3):
            for record in run(stem + ", ".join(string_literal(i) for i in batch) + ")"):
                found = by_id.get(str(record.get("Id")))
                if found is not None:
                    found.update((k, v) for k, v in record.items() if k != "attributes")
