"""Titles -> buying roles with the default rules, English and Japanese, ambiguous ones included; CRM roles first."""

from __future__ import annotations

import pytest

from config.account_mapping import AccountMapping, RoleRule
from scoring.buying_roles import Classification, Classifier, classify

DEFAULTS = AccountMapping()


@pytest.mark.parametrize(
    ("title", "role", "rule"),
    [
        ("CEO", "executive_sponsor", "title:executive"),
        ("Founder & CEO", "executive_sponsor", "title:executive"),
        ("Managing Director", "executive_sponsor", "title:executive"),
        ("VP Sales", "executive_sponsor", "title:executive"),
        ("CFO", "economic_buyer", "title:finance"),
        ("VP Finance", "economic_buyer", "title:finance"),  # finance before executive: the budget holder
        ("Finance Controller", "economic_buyer", "title:finance"),
        ("CIO", "it_technical", "title:it"),
        ("VP, Information Technology", "it_technical", "title:it"),
        ("Director of IT", "it_technical", "title:it"),
        ("sr. data engineer", "it_technical", "title:it"),
        ("Procurement Manager", "procurement", "title:procurement"),
        ("Category Manager - Software", "procurement", "title:procurement"),  # a buyer, not a line manager
        ("Head of Operations", "line_user", "title:line"),
        ("Director, Customer Success", "line_user", "title:line"),
        ("Office Manager", "line_user", "title:line"),
        ("代表取締役", "executive_sponsor", "title:executive"),
        ("代表取締役社長", "executive_sponsor", "title:executive"),
        ("執行役員", "executive_sponsor", "title:executive"),
        ("CIO 兼 情報システム部長", "it_technical", "title:it"),  # CIO and IT head: IT before executive
        ("情報システム部 課長", "it_technical", "title:it"),
        ("情報システム部", "it_technical", "title:it"),
        ("財務部長", "economic_buyer", "title:finance"),
        ("経理部 課長", "economic_buyer", "title:finance"),
        ("購買部 部長", "procurement", "title:procurement"),
        ("調達課 係長", "procurement", "title:procurement"),
        ("営業部 部長", "line_user", "title:line"),
        ("製造部 主任", "line_user", "title:line"),
        ("部長", "line_user", "title:line"),  # a bare department head: the line
        ("ＣＩＯ", "it_technical", "title:it"),  # full-width letters read as CIO
        ("Consultant", "unknown", "none"),  # no role can be told from it
        ("総務部", "unknown", "none"),  # general affairs: ambiguous, left unknown
        ("", "unknown", "none"),
        (None, "unknown", "none"),
        ("Digital transformation", "unknown", "none"),  # `it` inside a word is not IT
    ],
)
def test_title_gives_role(title: str | None, role: str, rule: str) -> None:
    assert classify(DEFAULTS, title) == Classification(role, rule)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("title", "crm_roles", "role", "rule"),
    [
        ("IT Manager", ["Champion"], "champion", "crm_role:Champion"),  # a deal role says it outright
        ("Consultant", ["economic buyer"], "economic_buyer", "crm_role:Economic Buyer"),  # labels match in any case
        ("CEO", ["Influencer"], "executive_sponsor", "title:executive"),  # an unmapped role leaves the title
        ("CEO", [None, "Decision Maker"], "executive_sponsor", "title:executive"),
        ("部長", ["Technical Buyer", "Champion"], "it_technical", "crm_role:Technical Buyer"),  # first mapped role
    ],
)
def test_crm_roles_come_before_titles(title: str, crm_roles: list[str | None], role: str, rule: str) -> None:
    assert classify(DEFAULTS, title, crm_roles) == Classification(role, rule)  # type: ignore[arg-type]


def test_configured_rules_replace_the_defaults_in_their_order() -> None:
    rules = [RoleRule(name="kaicho", role="executive_sponsor", pattern="会長"),
             RoleRule(name="bucho", role="line_user", pattern="部長")]  # fmt: skip
    classifier = Classifier(rules, {})
    assert classifier.classify("会長兼情報システム部長") == Classification("executive_sponsor", "title:kaicho")
    assert classifier.classify("CIO") == Classification("unknown", "none")


def test_a_rule_that_is_no_regex_is_refused_with_its_field() -> None:
    with pytest.raises(ValueError, match="pattern"):
        RoleRule(name="broken", role="it_technical", pattern="(IT")
