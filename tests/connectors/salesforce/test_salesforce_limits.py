"""Sforce-Limit-Info: parsed from every answer and fed to the job's budget."""

from __future__ import annotations

import pytest

from connectors.budget import ApiBudget
from connectors.errors import BudgetExceededError
from connectors.salesforce.limits import ApiMeter, parse_limit_info


@pytest.mark.parametrize(
    ("header", "parsed"),
    [
        ("api-usage=25/15000", (25, 15000)),
        ("api-usage=25/15000; per-app-api-usage=17/250(appName=sample-app)", (25, 15000)),
        ("per-app-api-usage=17/250(appName=sample-app)", None),
        ("", None),
        (None, None),
    ],
)
def test_the_org_wide_usage_is_read_from_the_header(header: str | None, parsed: tuple[int, int] | None) -> None:
    assert parse_limit_info(header) == parsed


def test_the_meter_counts_calls_and_tells_the_budget_the_quota() -> None:
    budget = ApiBudget(connection="sf", share=0.5)
    meter = ApiMeter(budget)
    meter.before_call()
    meter.observe("api-usage=10/4")  # the org reports a quota of 4: this job may make 2 calls
    meter.before_call()
    with pytest.raises(BudgetExceededError):
        meter.before_call()
    quota = meter.quota()
    assert (quota.used, quota.limit, quota.calls) == (10, 4, 2)
