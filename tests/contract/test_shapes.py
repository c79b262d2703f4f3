"""The contract suite's comparator really catches what it is there to catch (else every contract is vacuous)."""

from __future__ import annotations

from typing import Any

import pytest

EXAMPLE = {"results": [{"id": "1", "archived": False, "properties": {"a": "x"}}], "total": 1, "next": None}


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ({**EXAMPLE, "results": [{"id": 1, "archived": False, "properties": {}}]}, "$.results[].id: expected string"),
        ({**EXAMPLE, "results": [{"Id": "1", "archived": False, "properties": {}}]}, "missing key 'id'"),
        ({**EXAMPLE, "extra": 1}, "unexpected key 'extra'"),
        ({**EXAMPLE, "total": "1"}, "$.total: expected number, got string"),
        ({**EXAMPLE, "results": [{"id": "1", "archived": False, "properties": {"a": 2}}]}, "$.results[].properties.a"),
    ],
)
def test_a_renamed_key_or_a_wrong_type_is_reported(contract: Any, body: dict[str, Any], complaint: str) -> None:
    with pytest.raises(AssertionError, match=complaint.replace("[", r"\[").replace("$", r"\$")):
        contract.shape(EXAMPLE, body, ("$.results[].properties",))


def test_the_example_itself_and_a_nullable_filled_in_pass(contract: Any) -> None:
    contract.shape(EXAMPLE, EXAMPLE, ("$.results[].properties",))
    contract.shape(EXAMPLE, {**EXAMPLE, "next": {"after": "2"}}, ("$.results[].properties",))
