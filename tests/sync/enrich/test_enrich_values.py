"""Values read from text: months as first days, whole counts, exact amounts; every failure named."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sync.enrich.values import PROBLEM, account_rules, apply_rules, usage_rules

THIS_MONTH = date(2026, 10, 1)


def usage(month: str | None, users: str | None = "1", seats: str | None = None) -> tuple[dict[str, object], str | None]:
    frame = pl.DataFrame({"month": [month], "active_users": [users], "licensed_seats": [seats]}, schema_overrides={
        "month": pl.String, "active_users": pl.String, "licensed_seats": pl.String})  # fmt: skip
    checked, _ = apply_rules(frame, usage_rules(("month", "active_users", "licensed_seats"), THIS_MONTH))
    row = checked.row(0, named=True)
    return row, row[PROBLEM]


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-03", date(2026, 3, 1)),
        ("2026-03-01", date(2026, 3, 1)),
        ("2026-03-31", date(2026, 3, 1)),
        ("2026/3", date(2026, 3, 1)),
        (" 2026-03-15T09:30:00Z ", date(2026, 3, 1)),
        ("2026-03-15 00:00:00.000000", date(2026, 3, 1)),
        ("2026-10", date(2026, 10, 1)),  # the run's own month is not the future
    ],
)
def test_a_month_is_read_as_the_first_day_of_its_month(text: str, month: date) -> None:
    row, problem = usage(text)
    assert (row["month"], problem) == (month, None)


@pytest.mark.parametrize(
    ("month", "users", "seats", "problem"),
    [
        ("March 2026", "1", None, "month is not a month (YYYY-MM) or a date ('March 2026')"),
        ("2026-13", "1", None, "month is not a month (YYYY-MM) or a date ('2026-13')"),
        ("2026-02-30", "1", None, "month is not a month (YYYY-MM) or a date ('2026-02-30')"),
        (None, "1", None, "month is missing"),
        ("2026-11", "1", None, "month is in the future ('2026-11')"),
        ("2026-09", "-1", None, "active_users is negative ('-1')"),
        ("2026-09", "n/a", "3", "active_users is not a number ('n/a')"),
        ("2026-09", "1e3", None, "active_users is not a number ('1e3')"),
        ("2026-09", "2.5", None, "active_users is not a whole number ('2.5')"),
        ("2026-09", "3000000000", None, "active_users is too large ('3000000000')"),
        ("2026-09", None, " ", "no active_users or licensed_seats"),
        ("x", "y", "-2", "month is not a month (YYYY-MM) or a date ('x'); active_users is not a number ('y'); "
                         "licensed_seats is negative ('-2')"),
    ],
)  # fmt: skip
def test_a_bad_usage_row_is_refused_with_every_reason(
    month: str | None, users: str | None, seats: str | None, problem: str
) -> None:
    assert usage(month, users, seats)[1] == problem


@pytest.mark.parametrize(
    ("users", "seats", "expected"),
    [("12", "20", (12, 20)), ("12.0", "1,200", (12, 1200)), ("+3", None, (3, None)), ("5", "0", (5, 0))],
)
def test_counts_are_whole_numbers_and_missing_seats_are_fine(
    users: str, seats: str | None, expected: tuple[int, int | None]
) -> None:
    row, problem = usage("2026-09", users, seats)
    assert ((row["active_users"], row["licensed_seats"]), problem) == (expected, None)


def test_account_values_are_exact_amounts_counts_and_short_labels() -> None:
    frame = pl.DataFrame({
        "wallet_estimate": ["1,250,000.50", "-5", "lots", None],
        "employees": ["120", "7.5", None, None],
        "industry": [" Retail ", "x" * 129, None, None],
    })  # fmt: skip
    checked, counts = apply_rules(frame, account_rules(("wallet_estimate", "employees", "industry")))
    assert checked.get_column("wallet_estimate").to_list() == ["1250000.50", "-5", None, None]
    assert checked.get_column("industry")[0] == "Retail"
    assert checked.get_column(PROBLEM).to_list() == [
        None,
        "wallet_estimate is negative ('-5'); employees is not a whole number ('7.5'); "
        "industry is longer than 128 characters",
        "wallet_estimate is not a number ('lots')",
        "no wallet_estimate, employees, industry",
    ]
    assert counts["wallet_estimate is negative"] == 1
