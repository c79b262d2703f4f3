"""Section 1: the input frames, checked and conformed, with errors naming the frame and the column."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from scoring import (
    ACCOUNTS,
    OPPORTUNITIES,
    RATES,
    DuplicateKeyError,
    InputSchemaError,
    ScoringError,
    conform_frame,
)


def accounts(**columns) -> pl.DataFrame:
    base = {"key": ["A"], "created_at": [datetime(2020, 1, 1, tzinfo=UTC)]}
    base |= {name: [None] for name in ACCOUNTS.schema.names() if name not in base and name != "wallet_estimate"}
    return pl.DataFrame(base | columns).cast({"created_at": pl.Datetime("us", "UTC")})


@pytest.mark.parametrize(
    ("frame", "spec", "match"),
    [
        (accounts().drop("owner"), ACCOUNTS, "'accounts', column 'owner': missing"),
        (accounts(employees=["many"]), ACCOUNTS, "'accounts', column 'employees': expected Int64, got String"),
        (accounts(key=[None]), ACCOUNTS, "'accounts', column 'key': 1 null value"),
        (
            accounts().with_columns(created_at=pl.lit(datetime(2020, 1, 1))),
            ACCOUNTS,
            "'accounts', column 'created_at': expected Datetime",
        ),
        (pl.DataFrame({"currency": ["EUR"]}), RATES, "'rates', column 'rate_to_corporate': missing"),
    ],
)
def test_frame_not_matching_its_schema_is_rejected_naming_frame_and_column(frame, spec, match):
    with pytest.raises(InputSchemaError, match=match) as raised:
        conform_frame(spec, frame)
    assert isinstance(raised.value, ScoringError)
    assert raised.value.frame == spec.name


def test_duplicate_account_key_is_rejected(portfolio):
    portfolio.account("A").account("B").account("A")
    with pytest.raises(DuplicateKeyError, match=r"'accounts', column 'key': 1 duplicated value.*'A'") as raised:
        portfolio.score()
    assert raised.value.count == 1


def test_optional_column_may_be_left_out_and_comes_back_as_nulls():
    conformed = conform_frame(ACCOUNTS, accounts())
    assert conformed.columns == ACCOUNTS.schema.names()
    assert conformed.get_column("wallet_estimate").to_list() == [None]


def test_lossless_casts_are_made_and_extra_columns_dropped():
    frame = accounts(employees=pl.Series([12], dtype=pl.Int16), annual_revenue=[5], extra=["x"])
    frame = frame.with_columns(pl.col("created_at").dt.convert_time_zone("Europe/Paris").dt.cast_time_unit("ms"))
    conformed = conform_frame(ACCOUNTS, frame)
    assert conformed.schema == ACCOUNTS.schema
    assert conformed.row(0, named=True)["annual_revenue"] == 5.0
    assert conformed.row(0, named=True)["created_at"] == datetime(2020, 1, 1, tzinfo=UTC)


def test_opportunity_schema_types_dates_and_timestamps():
    schema = OPPORTUNITIES.schema
    assert schema["close_date"] == pl.Date
    assert schema["created_at"] == pl.Datetime("us", "UTC")
    assert schema["amount"] == pl.Float64
