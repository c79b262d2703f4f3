"""Figures as the CLI prints them, hand-computed: rates as percentages, money rounded with its currency, scores to
one decimal, nothing empty printed `None`; tables cut to the width, numbers never cut."""

from __future__ import annotations

import pytest
from rich.console import Console

from accountsync.figure_text import figure
from accountsync.fit_table import ColumnChoiceError, fit_table


@pytest.mark.parametrize(
    ("name", "value", "currency", "shown"),
    [
        ("nrr", 0.583, None, "58.3%"),
        ("grr", 0.5, None, "50.0%"),
        ("share_of_wallet", 0.00055, None, "0.055%"),
        ("share_of_wallet", 0.0, None, "0.0%"),
        ("arr", 900_000.0, "EUR", "900,000 EUR"),
        ("arr", 1_234_567.5, "USD", "1,234,568 USD"),
        ("score", 99.4156024003693, None, "99.4"),
        ("score", 79.9690656386923, None, "79.9"),  # a B (A is 80 or more): cut, never "80.0"
        ("score", 4.1, None, "4.1"),
        ("mean_score", 79.97, None, "80.0"),  # no tier is cut from a mean: rounded as usual
        ("health", 91.95, None, "92.0"),
        ("expected_lifetime_years", 7.26, None, "7.3 years"),
        ("customers", 1234, None, "1,234"),
        ("usage_trend", None, None, "-"),
        ("won_expansion_in_window", False, None, "no"),
        ("coverage", 80.0, None, "80.0%"),  # a percentage already (roles covered), not a ratio
        ("coverage_component", 40.0, None, "40.0"),
    ],
)
def test_a_figure_reads_as_a_person_expects(name: str, value: object, currency: str | None, shown: str) -> None:
    assert figure(name, value, currency) == shown


def _render(table: object, width: int) -> list[str]:
    console = Console(width=width, soft_wrap=True, highlight=False)
    with console.capture() as captured:
        console.print(table)
    return captured.get().splitlines()


ROWS = [{"rank": 1, "name": "Globex Corporation International", "tier": "A", "score": 87.25, "arr": 1_234_567.0,
         "headroom": 50_000.0, "reasons": ["Annual revenue 2.6B USD, top 7 %", "Health 90/100"],
         "key": "sf:0018d000AbC000sAIB"}]  # fmt: skip


@pytest.mark.parametrize("width", [60, 80, 120])
def test_a_table_fits_its_width_leaving_out_columns_not_cutting_numbers(width: int) -> None:
    table = fit_table(ROWS, title="top 1 accounts as of 2026-11-01, computed now", width=width, currency="USD",
                      priority=("rank", "name", "tier", "score", "arr", "reasons", "headroom", "key"))  # fmt: skip
    lines = _render(table, width)
    assert max(len(line) for line in lines) <= width
    assert "87.2" in "\n".join(lines)  # half-even: 87.25 -> 87.2
    assert "1,234,567" in "\n".join(lines)
    assert "(money in USD)" in "\n".join(lines)


def test_a_reason_is_cut_on_its_line_with_an_ellipsis() -> None:
    lines = _render(fit_table(ROWS, title="t", width=60, chosen=["rank", "reasons"]), 60)
    assert any("Annual revenue 2.6B USD, top 7 %" in line for line in lines)
    narrow = _render(fit_table(ROWS, title="t", width=30, chosen=["rank", "reasons"]), 30)
    assert any("Annual revenue" in line and line.rstrip(" │").endswith("…") for line in narrow)


def test_an_unknown_column_is_named_with_the_choices() -> None:
    with pytest.raises(ColumnChoiceError, match=r"unknown column\(s\) wallet; choose from rank, name"):
        fit_table(ROWS, title="t", width=80, chosen=["rank", "wallet"])


def _summary() -> object:
    from sync.jobs import RunSummary

    counted = {"read": 32_348, "inserted": 0, "updated": 0, "deleted": 0, "skipped": 0, "pages": 17, "counted": False}
    streams = {
        "salesforce.OpportunityHistory": counted,
        "salesforce.OpportunityLineItem": {"read": 11_440, "inserted": 11_440, "pages": 6},
        "salesforce.AccountContactRelation": {"read": 5_575, "inserted": 5_575, "updated": 3, "pages": 3},
    }
    return RunSummary(run_id=1, job="demo", status="succeeded", message=None, streams=streams, totals={},
                      api_calls={"salesforce": 30}, errors=[], audits=[], duration_seconds=2.0)  # fmt: skip


@pytest.mark.parametrize("width", [80, 120])
def test_the_run_table_names_every_stream_whole_and_fits_its_width(width: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """`accountsync run`/`sync` print a table per stream: at 80 columns the names wrap after the connection rather
    than all being cut to "salesforce.Opport…"; stage history (keyed by content) shows "-" for inserted/updated."""
    from accountsync import cli_sync

    console = Console(width=width, soft_wrap=True, highlight=False)
    monkeypatch.setattr(cli_sync, "out", console)
    with console.capture() as captured:
        cli_sync.print_summary(_summary())  # type: ignore[arg-type]
    lines = captured.get().splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in captured.get()
    cells = [[cell.strip() for cell in line.strip("│").split("│")] for line in lines if line.startswith("│")]
    names = {"".join(c[0] for c in cells[i : i + 2]) if width < 100 else cells[i][0]: cells[i][1:]
             for i in range(0, len(cells), 2 if width < 100 else 1)}  # fmt: skip
    assert names["salesforce.OpportunityHistory"][:3] == ["32,348", "-", "-"]
    assert names["salesforce.OpportunityLineItem"][:3] == ["11,440", "11,440", "0"]
    assert names["salesforce.AccountContactRelation"][:3] == ["5,575", "5,575", "3"]
    assert ("pages" in lines[1] or "pages" in lines[2]) == (width >= 100)
