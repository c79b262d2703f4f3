"""One account's records, read by id rather than by window (a single-account resync): the Account rows
themselves, their opportunities, and those opportunities' history and line items. Read with `queryAll`
like every REST read, so soft-deleted rows arrive with `IsDeleted = true`; nothing here is checkpointed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from connectors.base import Page, Position
from connectors.salesforce.convert import convert_records
from connectors.salesforce.reader import QueryAnswer, QueryPages
from connectors.salesforce.soql import string_literal
from connectors.salesforce.streams import StreamPlan
from connectors.salesforce.writer import batches_of

__all__ = ["IDS_PER_QUERY", "account_pages", "id_pages"]

IDS_PER_QUERY: Final = 200  # 200 quoted 18-character ids: ~4.4k characters of a GET's query string
BY_ACCOUNT: Final = {"Account": "Id", "Opportunity": "AccountId", "Contact": "AccountId",
                     "AccountContactRelation": "AccountId", "AccountTeamMember": "AccountId"}  # fmt: skip
BY_OPPORTUNITY: Final = frozenset({"OpportunityHistory", "OpportunityLineItem", "OpportunityContactRole"})


def account_pages(pages: QueryPages, plan: StreamPlan, account_ids: Sequence[str]) -> Iterator[Page]:
    """The stream's records that belong to these Account ids, page by page, in Id order; nothing for a
    stream that is not per account (stages, currency types)."""
    if plan.spec.object in BY_ACCOUNT:
        field, ids = BY_ACCOUNT[plan.spec.object], list(dict.fromkeys(account_ids))
    elif plan.spec.object in BY_OPPORTUNITY:
        field, ids = "OpportunityId", opportunity_ids(pages, account_ids)
    else:
        return
    yield from _pages_where(pages, plan, field, ids)


def id_pages(pages: QueryPages, plan: StreamPlan, ids: Sequence[str]) -> Iterator[Page]:
    """The stream's records with these ids, wherever they are filed now, page by page in Id order."""
    yield from _pages_where(pages, plan, "Id", list(dict.fromkeys(ids)))


def _pages_where(pages: QueryPages, plan: StreamPlan, field: str, ids: list[str]) -> Iterator[Page]:
    spec = plan.spec
    for chunk in batches_of(ids, IDS_PER_QUERY):
        where = f"{field} IN ({', '.join(string_literal(i) for i in chunk)})"
        for answer in _answers(pages, f"SELECT {', '.join(spec.fields)} FROM {spec.object} WHERE {where} ORDER BY Id"):
            rows = [plan.shape.flatten(r) for r in answer.get("records") or []]
            records, skipped = convert_records(plan.shape, rows, csv=False)
            last = str(rows[-1].get("Id") or "") or None if rows else None
            yield Page(spec.name, records, Position("account", last_id=last), skipped=skipped,
                       field_errors=plan.field_errors)  # fmt: skip


def opportunity_ids(pages: QueryPages, account_ids: Sequence[str]) -> list[str]:
    """Every opportunity of these accounts, deleted ones included (their history is theirs too)."""
    found: list[str] = []
    for chunk in batches_of(list(dict.fromkeys(account_ids)), IDS_PER_QUERY):
        where = f"AccountId IN ({', '.join(string_literal(i) for i in chunk)})"
        for answer in _answers(pages, f"SELECT Id FROM Opportunity WHERE {where} ORDER BY Id"):
            found += [str(r["Id"]) for r in answer.get("records") or []]
    return found


def _answers(pages: QueryPages, soql: str) -> Iterator[QueryAnswer]:
    answer = pages.first(soql)
    while True:
        yield answer
        if bool(answer.get("done", True)) or not answer.get("nextRecordsUrl"):
            return
        answer = pages.more(str(answer["nextRecordsUrl"]))
