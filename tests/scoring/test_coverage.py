"""Coverage of a hand-computed small case (docs/account-mapping.md): roles, engagement, threading, team, reasons."""

from __future__ import annotations

from datetime import date

import pytest

from config.account_mapping import AccountMapping
from scoring.coverage import AccountPeople, PersonFacts, account_coverage, segment_of

SETTINGS = AccountMapping()  # engaged within 90 days; enterprise from 1,000 employees, mid-market from 200
AS_OF = date(2026, 11, 1)  # engaged since 2026-08-03


def _enterprise() -> AccountPeople:
    return AccountPeople(
        "sf:001A", 1200,
        (
            PersonFacts("a", "Aoi Sato", "代表取締役", last_activity=date(2026, 10, 20)),
            PersonFacts("b", "Ren Ito", "CIO 兼 情報システム部長", last_activity=date(2026, 5, 1)),  # stale
            PersonFacts("c", "Sam Kelly", "Procurement Manager", on_open_deal=True),  # no activity, on an open deal
            PersonFacts("d", "Maria Rossi", "Consultant", crm_roles=("Champion",), last_activity=date(2026, 9, 1)),
            PersonFacts("e", "Yui Tanaka", "営業部 課長", last_activity=date(2026, 8, 2)),  # a day before the window
        ),
        team_roles=("Sales Rep", "Pre-Sales Consultant"),
    )  # fmt: skip


def test_an_enterprise_account_covers_two_of_its_five_roles() -> None:
    got = account_coverage(SETTINGS, _enterprise(), AS_OF)
    assert got.segment == "enterprise"
    assert got.required == ("executive_sponsor", "economic_buyer", "it_technical", "line_user", "procurement")
    assert got.covered == ("executive_sponsor", "procurement")  # the champion is engaged but not required
    assert got.missing == ("economic_buyer", "it_technical", "line_user")
    assert got.coverage == 0.4
    assert got.engaged_contacts == 3  # a, c (open deal), d
    assert got.single_threaded is False
    assert got.component == 40.0
    assert got.reasons == ("no economic buyer contact", "no IT contact", "no line/user contact")
    assert dict(got.team) == {"ae": True, "csm": False, "sa": True}
    assert {m.facts.contact_id: (m.role.role, m.role.rule, m.engaged) for m in got.people} == {
        "a": ("executive_sponsor", "title:executive", True),
        "b": ("it_technical", "title:it", False),
        "c": ("procurement", "title:procurement", True),
        "d": ("champion", "crm_role:Champion", True),
        "e": ("line_user", "title:line", False),
    }


def test_one_engaged_contact_is_single_threaded_and_halves_the_component() -> None:
    account = AccountPeople("hs:6100", 50, (PersonFacts("x", None, "CEO", last_activity=date(2026, 10, 1)),
                                            PersonFacts("y", None, "Office Manager")))  # fmt: skip
    got = account_coverage(SETTINGS, account, AS_OF)
    assert (got.segment, got.covered, got.missing) == ("smb", ("executive_sponsor",), ("line_user",))
    assert got.coverage == 0.5
    assert got.single_threaded is True
    assert got.component == 25.0  # 100 x 1/2, halved
    assert got.reasons == ("single-threaded", "no line/user contact")
    assert dict(got.team) == {"ae": False, "csm": False, "sa": False}


def test_an_account_with_no_engaged_contact_scores_nothing() -> None:
    account = AccountPeople("sf:001B", None, (PersonFacts("z", None, "CFO", last_activity=date(2025, 1, 1)),))
    got = account_coverage(SETTINGS, account, AS_OF)
    assert got.segment == "mid_market"  # unknown size
    assert (got.coverage, got.engaged_contacts, got.single_threaded, got.component) == (0.0, 0, False, 0.0)
    assert got.reasons[0] == "no engaged contact"


@pytest.mark.parametrize(("employees", "segment"), [(1000, "enterprise"), (999, "mid_market"), (200, "mid_market"),
                                                    (199, "smb"), (0, "smb")])  # fmt: skip
def test_segments_by_employees(employees: int, segment: str) -> None:
    assert segment_of(SETTINGS, employees) == segment


def test_one_person_held_in_both_crms_is_counted_once() -> None:
    """An account held in both CRMs has each of its people in both (make demo's Delta Foods showed "8 engaged" for
    6 people and each name twice): records with the same address are one person, engaged when either is, with the
    roles of both and the title of the record active last."""
    account = AccountPeople(
        "sf:001A", 300,
        (
            PersonFacts("salesforce:003A", "Fatima Walsh", "Finance Controller", last_activity=date(2026, 10, 1),
                        email="fatima.walsh@delta.example"),
            PersonFacts("hubspot:51", "Fatima Walsh", "Chief Financial Officer", crm_roles=("Champion",),
                        last_activity=date(2026, 5, 1), email=" Fatima.Walsh@Delta.example "),
            PersonFacts("hubspot:52", "Jordan Cohen", "Director", email="jordan@delta.example"),  # stale, alone
            PersonFacts("salesforce:003B", "No Address", "VP Sales", last_activity=date(2026, 5, 2)),  # no e-mail
        ),
    )  # fmt: skip
    got = account_coverage(SETTINGS, account, AS_OF)
    assert got.engaged_contacts == 1  # Fatima Walsh, through her Salesforce record's activity
    assert got.single_threaded is True
    assert "single-threaded" in got.reasons
    assert {m.facts.contact_id: (m.facts.title, m.role.role, m.engaged) for m in got.people} == {
        "salesforce:003A": ("Finance Controller", "champion", True),  # CRM roles first: HubSpot's label counts
        "hubspot:52": ("Director", "line_user", False),
        "salesforce:003B": ("VP Sales", "executive_sponsor", False),
    }
