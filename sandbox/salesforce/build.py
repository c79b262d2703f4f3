"""Streams the neutral world into the org's tables: Salesforce's own names, picklist values and ids."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from sandbox.catalog import CURRENCIES, FAMILIES, OWNERS, RATES, STAGE_BY_KEY, STAGES, dated_rates
from sandbox.people import deal_roles, people, sales_team, team
from sandbox.salesforce.build_people import add_contact_roles, add_people, add_team
from sandbox.salesforce.derived import (
    ExpectedRevenue,
    FromParent,
    LineName,
    NextStartDate,
    OpportunityName,
    StageFlag,
    StageProbability,
    UnitPrice,
)
from sandbox.salesforce.objects import org_schema
from sandbox.salesforce.schema import Schema
from sandbox.salesforce.store import DELETED, LIVE, AliasColumn, Column, DerivedColumn, NoValue, Table
from sandbox.salesforce.synthetic import (
    ADDRESS_PARTS,
    Address,
    ContactEmail,
    FullName,
    OwnExpectedRevenue,
    Phone,
    Place,
    Same,
    StageForecast,
    Street,
    WorldRows,
)
from sandbox.salesforce.values import to_days, to_ms
from sandbox.world import DEAL_SLOTS, Company, Deal, WorldSpec, companies, deals

ACCOUNT_TYPE: Final = {"prospect": "Prospect", "customer": "Customer - Direct", "churned": "Former Customer"}
OPPORTUNITY_TYPE: Final = {
    "new_business": "New Customer",
    "expansion": "Existing Customer - Upgrade",
    "renewal": "Renewal",
    "other": "Existing Customer - Replacement",
}
FORECAST: Final = {
    "prospecting": "Pipeline", "qualification": "Pipeline", "proposal": "Best Case", "negotiation": "Commit",
    "closed_won": "Closed", "closed_lost": "Omitted",
}  # fmt: skip
# OpportunityStage.ForecastCategory holds the API name of the category ForecastCategoryName labels.
FORECAST_API_NAMES: Final = {"Pipeline": "Pipeline", "Best Case": "BestCase", "Commit": "Forecast", "Closed": "Closed",
                             "Omitted": "Omitted"}  # fmt: skip
INTEGRATION_USERNAME: Final = "integration@orbitaldevices.example"
INTEGRATION_USER: Final = len(OWNERS)  # User row of the integration user (reps are rows 0..19)
ORG_NAME: Final = "Orbital Devices"


@dataclass(slots=True)
class Tables:
    """The org's tables by lower-case object name, and the pieces the build needs to look up."""

    schema: Schema
    by_name: dict[str, Table]
    built: dict[str, WorldRows]  # rows the world built, per table whose standard fields are synthesised

    def __getitem__(self, name: str) -> Table:
        return self.by_name[name.lower()]


def empty_tables(multi_currency: bool, dated_rates: bool = False) -> Tables:
    schema = org_schema(multi_currency, dated_rates)
    world = {"account", "opportunity"}
    by_name = {d.name.lower(): Table(d, world_counters=d.name.lower() in world) for d in schema}
    tables = Tables(schema, by_name, {"account": WorldRows(), "contact": WorldRows()})
    _derive(tables)
    return tables


def build(spec: WorldSpec) -> Tables:
    """Every Salesforce record of the world, in id order."""
    tables = empty_tables(spec.multi_currency, spec.dated_rates)
    _reference_data(tables, spec)
    accounts, opportunities = tables["Account"], tables["Opportunity"]
    for company in companies(spec):
        if company.in_salesforce:
            account = _add_account(tables, company)
            deleted_at = to_ms(company.modified_at) if company.deleted else None
            crew = people(spec, company)
            contacts = add_people(tables, crew, account, company.owner, deleted_at)
            add_team(tables, team(spec, company), account, to_ms(company.created_at))
            for deal in deals(spec, company):
                if deal.crm == "salesforce":
                    row = _add_deal(tables, deal, account, company.name, cascade_deleted_at=deleted_at)
                    stamp, gone = to_ms(deal.created_at), to_ms(deal.modified_at) if deal.deleted else deleted_at
                    roles = deal_roles(spec, deal, crew)
                    add_contact_roles(tables, roles, row, contacts, stamp, company.owner, gone)
    naming = _opportunity_naming(tables)
    naming.account_names = list(accounts.columns["Name"].data)  # names as built, unaffected by renames
    tables.built["account"].count = len(accounts)
    tables.built["contact"].count = len(tables["Contact"])
    accounts.next_counter = max(accounts.next_counter, spec.accounts)
    opportunities.next_counter = max(opportunities.next_counter, spec.accounts * DEAL_SLOTS)
    return tables


def _audit(created: int, modified: int, creator: int) -> dict[str, Any]:
    return {
        "CreatedDate": created, "CreatedById": creator, "SystemModstamp": modified, "LastModifiedById": creator,
    }  # fmt: skip


def _add_account(tables: Tables, company: Company) -> int:
    accounts = tables["Account"]
    parent = accounts.row_for_counter(company.parent) if company.parent is not None else None
    master = accounts.row_for_counter(company.merged_into) if company.merged_into is not None else None
    revenue = (company.annual_revenue * RATES[company.currency]).quantize(Decimal(1))
    values = {
        "Name": company.name, "Type": ACCOUNT_TYPE[company.lifecycle], "ParentId": parent,
        "BillingCountry": company.country, "Website": company.website, "Industry": company.industry,
        "AnnualRevenue": revenue, "NumberOfEmployees": company.employees, "OwnerId": company.owner,
        "CurrencyIsoCode": company.currency, "MasterRecordId": master,
        **_audit(to_ms(company.created_at), to_ms(company.modified_at), company.owner),
    }  # fmt: skip
    gone = company.deleted or company.merged_into is not None
    row = accounts.append(values, counter=company.index, state=DELETED if gone else LIVE)
    if gone:
        accounts.deleted_at[row] = to_ms(company.modified_at)
    return row


def _add_deal(tables: Tables, deal: Deal, account: int, account_name: str, cascade_deleted_at: int | None) -> int:
    opportunities, accounts = tables["Opportunity"], tables["Account"]
    owner = accounts.get(account, "OwnerId")
    modified = to_ms(deal.modified_at)
    stem = f"{account_name} - "
    suffix = deal.name[len(stem) :] if deal.name.startswith(stem) else None
    _opportunity_naming(tables).add(account, suffix)
    values = {
        "AccountId": account, "Name": None if suffix is not None else deal.name,
        "StageName": STAGE_BY_KEY[deal.stage].label,
        "Amount": deal.amount, "CloseDate": to_days(deal.close_date), "Type": OPPORTUNITY_TYPE[deal.type],
        "OwnerId": owner, "CurrencyIsoCode": deal.currency, "HasOpportunityLineItem": bool(deal.line_items),
        **_audit(to_ms(deal.created_at), modified, owner),
    }  # fmt: skip
    deleted_at = modified if deal.deleted else cascade_deleted_at
    state = LIVE if deleted_at is None else DELETED
    row = opportunities.append(values, counter=deal.index, state=state)
    if deleted_at is not None:
        opportunities.deleted_at[row] = deleted_at
    history = tables["OpportunityHistory"]
    for stage, entered in deal.history:
        history.append({"OpportunityId": row, "StageName": STAGE_BY_KEY[stage].label, "CreatedDate": to_ms(entered)},
                       state=state)  # fmt: skip
    items, families = tables["OpportunityLineItem"], list(FAMILIES)
    for item in deal.line_items:
        values = {"OpportunityId": row, "Product2Id": families.index(item.family), "Quantity": item.quantity,
                  "TotalPrice": item.total_price}  # fmt: skip
        items.append(values, state=state)
    return row


def _reference_data(tables: Tables, spec: WorldSpec) -> None:
    start = to_ms(spec.start)
    users = tables["User"]
    for owner in OWNERS:
        users.append({
            "Username": owner.email, "FirstName": owner.first_name, "LastName": owner.last_name,
            "Name": owner.name, "Email": owner.email, "IsActive": owner.active, "UserType": "Standard",
            "Title": "Account Executive", "Department": sales_team(owner.index)[1],
            **_audit(start, start, INTEGRATION_USER),
        })  # fmt: skip
    users.append({
        "Username": INTEGRATION_USERNAME, "FirstName": "Integration", "LastName": "User",
        "Name": "Integration User", "Email": INTEGRATION_USERNAME, "IsActive": True, "UserType": "Standard",
        **_audit(start, start, INTEGRATION_USER),
    })  # fmt: skip
    for stage in STAGES:
        tables["OpportunityStage"].append({
            "MasterLabel": stage.label, "ApiName": stage.label, "IsActive": True, "SortOrder": stage.order + 1,
            "IsClosed": stage.is_closed, "IsWon": stage.is_won, "ForecastCategoryName": FORECAST[stage.key],
            "ForecastCategory": FORECAST_API_NAMES[FORECAST[stage.key]],
            "DefaultProbability": stage.probability * 100, **_audit(start, start, INTEGRATION_USER),
        })  # fmt: skip
    audit = _audit(start, start, INTEGRATION_USER)
    book = tables["Pricebook2"].append({"Name": "Standard Price Book", "IsActive": True, "IsStandard": True, **audit})
    for n, (family, product) in enumerate(FAMILIES.items()):
        made = tables["Product2"].append({
            "Name": product, "ProductCode": f"{family[:4].upper()}-{100 + n}", "Family": family, "IsActive": True,
            "CurrencyIsoCode": "USD", **audit,
        })  # fmt: skip
        for code in CURRENCIES if spec.multi_currency else ("USD",):
            price = (Decimal(1000 * (n + 1)) * RATES[code]).quantize(Decimal(1))
            tables["PricebookEntry"].append({"Pricebook2Id": book, "Product2Id": made, "CurrencyIsoCode": code,
                                             "UnitPrice": price, "IsActive": True, **audit})  # fmt: skip
    _org_and_permissions(tables, spec, start)


def _org_and_permissions(tables: Tables, spec: WorldSpec, start: int) -> None:
    audit = _audit(start, start, INTEGRATION_USER)
    tables["Organization"].append({
        "Name": ORG_NAME, "IsSandbox": False, "OrganizationType": "Enterprise Edition", "InstanceName": "NA224",
        "DefaultCurrencyIsoCode": "USD", **audit,
    })  # fmt: skip
    if spec.multi_currency:
        for code in CURRENCIES:
            tables["CurrencyType"].append({
                "IsoCode": code, "ConversionRate": RATES[code], "DecimalPlaces": 0 if code == "JPY" else 2,
                "IsActive": True, "IsCorporate": code == "USD", **audit,
            })  # fmt: skip
    if spec.multi_currency and spec.dated_rates:
        for code, start_day, rate in dated_rates(spec.start.year + 1, spec.now.year):
            tables["DatedConversionRate"].append({"IsoCode": code, "StartDate": to_days(start_day),
                                                  "ConversionRate": rate, **audit})  # fmt: skip
    sets = tables["PermissionSet"]
    profile = sets.append({"Name": "X00e8d000001AbCdEAA", "Label": "Integration Profile", "IsOwnedByProfile": True,
                           **audit})  # fmt: skip
    named = sets.append({"Name": "AccountSync_Integration", "Label": "AccountSync Integration",
                         "IsOwnedByProfile": False, **audit})  # fmt: skip
    for permission_set in (profile, named):
        tables["PermissionSetAssignment"].append(
            {"AssigneeId": INTEGRATION_USER, "PermissionSetId": permission_set, **audit}
        )
    for definition in tables["Account"].definition.all_fields():
        if definition.custom:
            tables["FieldPermissions"].append({
                "ParentId": profile, "SobjectType": "Account", "Field": f"Account.{definition.name}",
                "PermissionsRead": True, "PermissionsEdit": True, **audit,
            })  # fmt: skip


def _opportunity_naming(tables: Tables) -> OpportunityName:
    column = tables["Opportunity"].columns["Name"]
    naming = column.compute if isinstance(column, DerivedColumn) else None
    if not isinstance(naming, OpportunityName):
        raise TypeError("Opportunity.Name must be derived from its account's name")
    return naming


def _derive(tables: Tables) -> None:
    """Fields that follow from others: computed on read, so they cost no memory per row."""
    opportunities = tables["Opportunity"]
    _replace(opportunities, "Name", DerivedColumn(OpportunityName()))
    stage = opportunities.columns["StageName"]
    _replace(opportunities, "IsClosed", DerivedColumn(StageFlag(stage, "is_closed")))
    _replace(opportunities, "IsWon", DerivedColumn(StageFlag(stage, "is_won")))
    _replace(opportunities, "Probability", DerivedColumn(StageProbability(stage)))
    _replace(
        opportunities, "ExpectedRevenue", DerivedColumn(OwnExpectedRevenue(opportunities.columns["Amount"], stage))
    )
    for name in ("ForecastCategoryName", "ForecastCategory"):
        names = {label: FORECAST[key] if name == "ForecastCategoryName" else FORECAST[key].replace(" ", "")
                 for key, label in ((s.key, s.label) for s in STAGES)}  # fmt: skip
        _replace(opportunities, name, DerivedColumn(StageForecast(stage, names)))
    _derive_history(tables)
    _derive_line_items(tables)
    if "datedconversionrate" in tables.by_name:
        rates = tables["DatedConversionRate"]
        _replace(
            rates, "NextStartDate", DerivedColumn(NextStartDate(rates.columns["IsoCode"], rates.columns["StartDate"]))
        )
    _derive_account_contact(tables)
    # A grant per field of any object: far more distinct values than a one-byte picklist column holds.
    _replace(tables["FieldPermissions"], "Field", Column("str"))
    _derive_price_book(tables)
    for table in tables.by_name.values():
        _derive_addresses(table)
        if "LastModifiedDate" in table.columns and "SystemModstamp" in table.columns:
            table.replace_column("LastModifiedDate", AliasColumn(table.columns["SystemModstamp"]))


def _derive_history(tables: Tables) -> None:
    history, opportunities = tables["OpportunityHistory"], tables["Opportunity"].columns
    parent, stage = history.columns["OpportunityId"], history.columns["StageName"]
    for name in ("Amount", "CloseDate", "CurrencyIsoCode"):
        if name in opportunities:
            _replace(history, name, DerivedColumn(FromParent(parent, opportunities[name])))
    _replace(history, "CreatedById", DerivedColumn(FromParent(parent, opportunities["OwnerId"])))
    _replace(history, "Probability", DerivedColumn(StageProbability(stage)))
    _replace(history, "ExpectedRevenue", DerivedColumn(ExpectedRevenue(parent, opportunities["Amount"], stage)))
    _replace(history, "SystemModstamp", AliasColumn(history.columns["CreatedDate"]))


def _derive_line_items(tables: Tables) -> None:
    items, opportunities, products = tables["OpportunityLineItem"], tables["Opportunity"], tables["Product2"]
    parent, product = items.columns["OpportunityId"], items.columns["Product2Id"]
    unit = UnitPrice(items.columns["TotalPrice"], items.columns["Quantity"])
    _replace(items, "UnitPrice", DerivedColumn(unit))
    _replace(items, "ListPrice", DerivedColumn(unit))
    name = LineName(parent, opportunities.columns["Name"], product, products.columns["Name"])
    _replace(items, "Name", DerivedColumn(name))
    _replace(items, "ProductCode", DerivedColumn(FromParent(product, products.columns["ProductCode"])))
    for field, source in (("CreatedDate", "CreatedDate"), ("CreatedById", "OwnerId"), ("LastModifiedById", "OwnerId"),
                          ("SystemModstamp", "CreatedDate"), ("CurrencyIsoCode", "CurrencyIsoCode")):  # fmt: skip
        column = opportunities.columns.get(source)
        if field in items.columns and column is not None:
            _replace(items, field, DerivedColumn(FromParent(parent, column)))


def _derive_account_contact(tables: Tables) -> None:
    """An account's address and phone, and its contact, synthesised from the account's country and website."""
    accounts, contacts, built = tables["Account"], tables["Contact"], tables.built
    country = accounts.columns["BillingCountry"]
    rows = built["account"]
    for prefix in ("Billing", "Shipping"):
        for part, made in (("City", Place(country, 0, rows)), ("State", Place(country, 1, rows)),
                           ("PostalCode", Place(country, 2, rows)), ("Street", Street(country, rows))):  # fmt: skip
            _replace(accounts, f"{prefix}{part}", DerivedColumn(made))
        for part in ("Latitude", "Longitude", "GeocodeAccuracy"):
            _replace(accounts, f"{prefix}{part}", DerivedColumn(NoValue()))
    _replace(accounts, "ShippingCountry", DerivedColumn(Same(country)))
    _replace(accounts, "Phone", DerivedColumn(Phone(country, built["account"])))
    account_of = contacts.columns["AccountId"]
    first, last = contacts.columns["FirstName"], contacts.columns["LastName"]  # the world's people, stored
    _replace(contacts, "Name", DerivedColumn(FullName(first, last)))
    website = accounts.columns["Website"]
    _replace(contacts, "Email", DerivedColumn(ContactEmail(first, last, account_of, website, built["contact"])))
    their_country = DerivedColumn(FromParent(account_of, country))
    _replace(contacts, "Phone", DerivedColumn(Phone(their_country, built["contact"], salt=14)))


def _derive_price_book(tables: Tables) -> None:
    entries, products = tables["PricebookEntry"], tables["Product2"]
    product = entries.columns["Product2Id"]
    _replace(entries, "Name", DerivedColumn(FromParent(product, products.columns["Name"])))
    _replace(entries, "ProductCode", DerivedColumn(FromParent(product, products.columns["ProductCode"])))


def _derive_addresses(table: Table) -> None:
    """Each compound address field read from its components (BillingAddress from BillingStreet, ...)."""
    for definition in table.definition.all_fields():
        if definition.type == "address":
            prefix = definition.name.removesuffix("Address")
            parts = tuple(table.columns[f"{prefix}{p}"] for p in ADDRESS_PARTS)
            table.replace_column(definition.name, DerivedColumn(Address(parts)))


def _replace(table: Table, name: str, column: Any) -> None:
    if name in table.columns:
        table.replace_column(name, column)
