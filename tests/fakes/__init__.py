"""The suite's fakes (fakes over mocks), one of each: a fake CRM behind the real `connectors.Connector` Protocol."""

from tests.fakes.crm import (
    ID_FIELD,
    STAMP_FIELD,
    T0,
    Crash,
    FakeConnector,
    FakeCrm,
    hs_company,
    sf_account,
    sf_opportunity,
)

__all__ = [
    "ID_FIELD",
    "STAMP_FIELD",
    "T0",
    "Crash",
    "FakeConnector",
    "FakeCrm",
    "hs_company",
    "sf_account",
    "sf_opportunity",
]
