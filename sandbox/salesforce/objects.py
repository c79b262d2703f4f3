"""The org's sObject types: standard fields as a real org describes them, plus the world's custom fields."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from sandbox.catalog import CURRENCIES, FAMILIES, INDUSTRIES, STAGES
from sandbox.salesforce.campaigns import campaign, campaign_member
from sandbox.salesforce.ids import KEY_PREFIXES
from sandbox.salesforce.schema import (
    FieldDef,
    ObjectDef,
    Schema,
    address,
    day,
    email,
    flag,
    id_fields,
    integer,
    money,
    number,
    phone,
    picklist,
    read_only,
    reference,
    sparse,
    stamp,
    system_fields,
    text,
    textarea,
    url,
)

ACCOUNT_TYPES: Final = (
    "Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller", "Installation Partner",
    "Technology Partner", "Former Customer", "Other",
)  # fmt: skip
OPPORTUNITY_TYPES: Final = (
    "New Customer", "Existing Customer - Upgrade", "Existing Customer - Replacement",
    "Existing Customer - Downgrade", "Renewal",
)  # fmt: skip
SF_INDUSTRIES: Final = tuple(
    sorted(
        {
            *INDUSTRIES, "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications",
            "Construction", "Consulting", "Electronics", "Engineering", "Entertainment", "Environmental",
            "Food & Beverage", "Government", "Machinery", "Not For Profit", "Other", "Recreation", "Shipping",
            "Utilities",
        }
    )
)  # fmt: skip
STAGE_NAMES: Final = tuple(s.label for s in STAGES)
HUBSPOT_ID_FIELD: Final = "HubSpot_Company_Id__c"
LEAD_SOURCES: Final = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
FORECAST_CATEGORIES: Final = ("Omitted", "Pipeline", "BestCase", "Forecast", "Closed")
SALUTATIONS: Final = ("Mr.", "Ms.", "Mrs.", "Dr.", "Prof.")
TEAM_ROLES: Final = ("Account Manager", "Channel Manager", "Executive Sponsor", "Lead Qualifier",
                     "Pre-Sales Consultant", "Sales Manager", "Sales Rep")  # fmt: skip
CONTACT_ROLES: Final = ("Business User", "Decision Maker", "Economic Buyer", "Economic Decision Maker",
                        "Evaluator", "Executive Sponsor", "Influencer", "Technical Buyer", "Other")  # fmt: skip


def _owner_fields() -> tuple[FieldDef, ...]:
    return (reference("OwnerId", "Owner ID", "User", "Owner"),)


def _currency(multi_currency: bool) -> tuple[FieldDef, ...]:
    return (picklist("CurrencyIsoCode", "Currency ISO Code", CURRENCIES),) if multi_currency else ()


def account(multi_currency: bool) -> ObjectDef:
    fields = (
        *id_fields(),
        read_only(reference("MasterRecordId", "Master Record ID", "Account", "MasterRecord")),
        replace(text("Name", "Account Name"), nillable=False, name_field=True),
        picklist("Type", "Account Type", ACCOUNT_TYPES),
        reference("ParentId", "Parent Account ID", "Account", "Parent"),
        *address("Billing", "Billing"),
        *address("Shipping", "Shipping"),
        phone("Phone", "Account Phone"),
        *sparse(phone("Fax", "Account Fax"), text("AccountNumber", "Account Number", 40)),
        url("Website", "Website"),
        *sparse(read_only(url("PhotoUrl", "Photo URL")), text("Sic", "SIC Code", 20)),
        picklist("Industry", "Industry", SF_INDUSTRIES),
        money("AnnualRevenue", "Annual Revenue", 18, 0),
        integer("NumberOfEmployees", "Employees", 8),
        *sparse(
            picklist("Ownership", "Ownership", ("Public", "Private", "Subsidiary", "Other")),
            text("TickerSymbol", "Ticker Symbol", 20),
            textarea("Description", "Account Description"),
            picklist("Rating", "Account Rating", ("Hot", "Warm", "Cold")),
            text("Site", "Account Site", 80),
        ),
        *_owner_fields(),
        *_currency(multi_currency),
        *system_fields(),
        *sparse(
            read_only(day("LastActivityDate", "Last Activity")),
            read_only(stamp("LastViewedDate", "Last Viewed Date")),
            read_only(stamp("LastReferencedDate", "Last Referenced Date")),
            text("Jigsaw", "Data.com Key", 20),
            read_only(text("JigsawCompanyId", "Jigsaw Company ID", 20)),
            picklist(
                "CleanStatus",
                "Clean Status",
                ("Matched", "Different", "Acknowledged", "NotFound", "Inactive", "Pending", "SelectMatch", "Skipped"),
            ),
            picklist("AccountSource", "Account Source", LEAD_SOURCES),
            text("DunsNumber", "D-U-N-S Number", 9),
            text("Tradestyle", "Tradestyle", 255),
            text("NaicsCode", "NAICS Code", 8),
            text("NaicsDesc", "NAICS Description", 120),
            text("YearStarted", "Year Started", 4),
            text("SicDesc", "SIC Description", 80),
        ),
        replace(text(HUBSPOT_ID_FIELD, "HubSpot Company Id", 40), custom=True, external_id=True, unique=True),
    )
    return ObjectDef("Account", "Account", "Accounts", KEY_PREFIXES["Account"], fields)


def opportunity(multi_currency: bool) -> ObjectDef:
    fields = (
        *id_fields(),
        reference("AccountId", "Account ID", "Account", "Account"),
        flag("IsPrivate", "Private"),
        replace(text("Name", "Name", 120), nillable=False, name_field=True),
        *sparse(textarea("Description", "Description")),
        replace(picklist("StageName", "Stage", STAGE_NAMES), nillable=False),
        money("Amount", "Amount", 16, 2),
        number("Probability", "Probability (%)", "percent", 3, 0),
        read_only(money("ExpectedRevenue", "Expected Amount", 16, 2)),
        *sparse(number("TotalOpportunityQuantity", "Quantity", "double", 16, 2)),
        replace(day("CloseDate", "Close Date"), nillable=False),
        picklist("Type", "Opportunity Type", OPPORTUNITY_TYPES),
        *sparse(text("NextStep", "Next Step", 255), picklist("LeadSource", "Lead Source", LEAD_SOURCES)),
        read_only(flag("IsClosed", "Closed")),
        read_only(flag("IsWon", "Won")),
        read_only(picklist("ForecastCategory", "Forecast Category", FORECAST_CATEGORIES)),
        picklist("ForecastCategoryName", "Forecast Category", ("Omitted", "Pipeline", "Best Case", "Commit", "Closed")),
        *sparse(reference("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2")),
        read_only(flag("HasOpportunityLineItem", "Has Line Item")),
        *_owner_fields(),
        *_currency(multi_currency),
        *system_fields(),
        *sparse(
            read_only(day("LastActivityDate", "Last Activity")),
            read_only(integer("FiscalQuarter", "Fiscal Quarter", 1)),
            read_only(integer("FiscalYear", "Fiscal Year", 4)),
            read_only(text("Fiscal", "Fiscal Period", 6)),
            reference("ContactId", "Contact ID", "Contact", "Contact"),
            read_only(stamp("LastStageChangeDate", "Last Stage Change Date")),
            read_only(stamp("LastViewedDate", "Last Viewed Date")),
            read_only(stamp("LastReferencedDate", "Last Referenced Date")),
        ),
    )
    return ObjectDef("Opportunity", "Opportunity", "Opportunities", KEY_PREFIXES["Opportunity"], fields)


def opportunity_history(multi_currency: bool) -> ObjectDef:
    fields = tuple(
        read_only(f)
        for f in (
            *id_fields(),
            reference("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity"),
            read_only(reference("CreatedById", "Created By ID", "User", "CreatedBy"), nillable=False),
            read_only(stamp("CreatedDate", "Created Date"), nillable=False),
            picklist("StageName", "Stage Name", STAGE_NAMES),
            money("Amount", "Amount", 16, 2),
            money("ExpectedRevenue", "Expected Revenue", 16, 2),
            day("CloseDate", "Close Date"),
            number("Probability", "Probability (%)", "percent", 3, 0),
            *_currency(multi_currency),
            read_only(stamp("SystemModstamp", "System Modstamp"), nillable=False),
        )
    )
    flags = {"createable": False, "updateable": False, "deletable": False}
    return ObjectDef(
        "OpportunityHistory", "Opportunity History", "Opportunity History", KEY_PREFIXES["OpportunityHistory"],
        fields, **flags,
    )  # fmt: skip


def opportunity_stage() -> ObjectDef:
    fields = (
        *id_fields()[:1],
        text("MasterLabel", "Master Label"),
        text("ApiName", "Api Name"),
        flag("IsActive", "Active"),
        integer("SortOrder", "Sort Order"),
        flag("IsClosed", "Closed"),
        flag("IsWon", "Won"),
        picklist("ForecastCategory", "Forecast Category", ("Omitted", "Pipeline", "BestCase", "Forecast", "Closed")),
        picklist("ForecastCategoryName", "Forecast Category", ("Omitted", "Pipeline", "Best Case", "Commit", "Closed")),
        number("DefaultProbability", "Probability (%)", "percent", 3, 0),
        text("Description", "Description"),
        *system_fields(),
    )
    flags = {"createable": False, "updateable": False, "deletable": False}
    return ObjectDef(
        "OpportunityStage", "Opportunity Stage", "Opportunity Stages", KEY_PREFIXES["OpportunityStage"],
        (read_only(f) for f in fields), **flags,
    )  # fmt: skip


def product2(multi_currency: bool) -> ObjectDef:
    fields = (
        *id_fields(),
        replace(text("Name", "Product Name"), nillable=False, name_field=True),
        text("ProductCode", "Product Code", 255),
        text("Description", "Product Description", 4000),
        flag("IsActive", "Active"),
        picklist("Family", "Product Family", tuple(FAMILIES)),
        *sparse(
            text("ExternalDataSourceId", "External Data Source ID", 18),
            text("ExternalId", "External ID", 255),
            text("DisplayUrl", "Display URL", 1000),
            picklist("QuantityUnitOfMeasure", "Quantity Unit Of Measure", ("Each",)),
            text("StockKeepingUnit", "Product SKU", 180),
            read_only(flag("IsArchived", "Archived")),
            read_only(stamp("LastViewedDate", "Last Viewed Date")),
            read_only(stamp("LastReferencedDate", "Last Referenced Date")),
        ),
        *_currency(multi_currency),
        *system_fields(),
    )
    return ObjectDef("Product2", "Product", "Products", KEY_PREFIXES["Product2"], fields)


def line_item(multi_currency: bool) -> ObjectDef:
    fields = (
        *id_fields(),
        replace(read_only(reference("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity")), createable=True),
        *sparse(reference("PricebookEntryId", "Price Book Entry ID", "PricebookEntry", "PricebookEntry")),
        read_only(reference("Product2Id", "Product ID", "Product2", "Product2")),
        read_only(text("ProductCode", "Product Code")),
        read_only(text("Name", "Opportunity Product Name", 376)),
        number("Quantity", "Quantity", "double", 12, 2),
        money("UnitPrice", "Sales Price", 18, 2),
        read_only(money("ListPrice", "List Price", 18, 2)),
        money("TotalPrice", "Total Price", 18, 2),
        day("ServiceDate", "Date"),
        *sparse(
            textarea("Description", "Line Description", 255),
            number("Discount", "Discount", "percent", 3, 2),
            integer("SortOrder", "Sort Order"),
        ),
        *(read_only(f) for f in _currency(multi_currency)),
        *system_fields(),
    )
    return ObjectDef(
        "OpportunityLineItem", "Opportunity Product", "Opportunity Product", KEY_PREFIXES["OpportunityLineItem"],
        fields,
    )  # fmt: skip


def user() -> ObjectDef:
    fields = (
        *id_fields()[:1],
        replace(text("Username", "Username", 80), nillable=False, unique=True),
        text("FirstName", "First Name", 40),
        replace(text("LastName", "Last Name", 80), nillable=False),
        read_only(replace(text("Name", "Full Name", 121), name_field=True)),
        FieldDef("Email", "email", "Email", length=128, nillable=False),
        *sparse(
            text("CompanyName", "Company Name", 80),
            text("Division", "Division", 80),
            text("Department", "Department", 80),
            text("Title", "Title", 80),
            *address("", ""),
            phone("Phone", "Phone"),
            phone("MobilePhone", "Mobile"),
            text("Alias", "Alias", 8),
            reference("ManagerId", "Manager ID", "User", "Manager"),
            read_only(stamp("LastLoginDate", "Last Login")),
        ),
        flag("IsActive", "Active"),
        picklist("TimeZoneSidKey", "Time Zone", ("America/Los_Angeles", "America/New_York", "Europe/London")),
        picklist("LocaleSidKey", "Locale", ("en_US", "en_GB", "de_DE", "fr_FR", "ja_JP")),
        read_only(picklist("UserType", "User Type", ("Standard", "AutomatedProcess"))),
        *system_fields(),
    )
    return ObjectDef("User", "User", "Users", KEY_PREFIXES["User"], fields, deletable=False)


def contact(multi_currency: bool) -> ObjectDef:
    fields = (
        *id_fields(),
        read_only(reference("MasterRecordId", "Master Record ID", "Contact", "MasterRecord")),
        reference("AccountId", "Account ID", "Account", "Account"),
        replace(text("LastName", "Last Name", 80), nillable=False),
        text("FirstName", "First Name", 40),
        *sparse(picklist("Salutation", "Salutation", SALUTATIONS)),
        read_only(replace(text("Name", "Full Name", 121), name_field=True)),
        *sparse(*address("Other", "Other"), *address("Mailing", "Mailing")),
        phone("Phone", "Business Phone"),
        *sparse(
            phone("Fax", "Business Fax"),
            phone("MobilePhone", "Mobile Phone"),
            phone("HomePhone", "Home Phone"),
            reference("ReportsToId", "Reports To ID", "Contact", "ReportsTo"),
        ),
        email("Email", "Email"),
        text("Title", "Title", 128),
        *sparse(
            text("Department", "Department", 80),
            picklist("LeadSource", "Lead Source", LEAD_SOURCES),
            day("Birthdate", "Birthdate"),
            textarea("Description", "Contact Description"),
        ),
        *_owner_fields(),
        flag("HasOptedOutOfEmail", "Email Opt Out"),
        *_currency(multi_currency),
        *system_fields(),
        read_only(day("LastActivityDate", "Last Activity")),  # the world fills it for most people: a column
        *sparse(read_only(stamp("LastViewedDate", "Last Viewed Date"))),
    )
    return ObjectDef("Contact", "Contact", "Contacts", KEY_PREFIXES["Contact"], fields)


def opportunity_contact_role() -> ObjectDef:
    fields = (
        *id_fields(),
        replace(reference("OpportunityId", "Opportunity ID", "Opportunity", "Opportunity"), nillable=False),
        replace(reference("ContactId", "Contact ID", "Contact", "Contact"), nillable=False),
        picklist("Role", "Role", CONTACT_ROLES),
        flag("IsPrimary", "Primary"),
        *system_fields(),
    )
    return ObjectDef("OpportunityContactRole", "Opportunity Contact Role", "Opportunity Contact Roles",
                     KEY_PREFIXES["OpportunityContactRole"], fields)  # fmt: skip


def account_contact_relation() -> ObjectDef:
    fields = (
        *id_fields(),
        replace(reference("AccountId", "Account ID", "Account", "Account"), nillable=False),
        replace(reference("ContactId", "Contact ID", "Contact", "Contact"), nillable=False),
        FieldDef("Roles", "picklist", "Roles", length=4099, picklist=CONTACT_ROLES),
        read_only(flag("IsDirect", "Direct")),
        flag("IsActive", "Active"),
        *sparse(day("StartDate", "Start Date"), day("EndDate", "End Date")),
        *system_fields(),
    )
    return ObjectDef("AccountContactRelation", "Account Contact Relationship", "Account Contact Relationships",
                     KEY_PREFIXES["AccountContactRelation"], fields)  # fmt: skip


def pricebook2() -> ObjectDef:
    fields = (
        *id_fields(),
        replace(text("Name", "Price Book Name"), nillable=False, name_field=True),
        flag("IsActive", "Active"),
        read_only(flag("IsArchived", "Archived")),
        *sparse(text("Description", "Description")),
        read_only(flag("IsStandard", "Is Standard Price Book")),
        *system_fields(),
    )
    return ObjectDef("Pricebook2", "Price Book", "Price Books", KEY_PREFIXES["Pricebook2"], fields)


def pricebook_entry(multi_currency: bool) -> ObjectDef:
    fields = (
        *id_fields(),
        read_only(text("Name", "Product Name")),
        replace(reference("Pricebook2Id", "Price Book ID", "Pricebook2", "Pricebook2"), nillable=False),
        replace(reference("Product2Id", "Product ID", "Product2", "Product2"), nillable=False),
        *_currency(multi_currency),
        money("UnitPrice", "List Price", 18, 2),
        flag("IsActive", "Active"),
        flag("UseStandardPrice", "Use Standard Price"),
        read_only(text("ProductCode", "Product Code")),
        read_only(flag("IsArchived", "Archived")),
        *system_fields(),
    )
    return ObjectDef("PricebookEntry", "Price Book Entry", "Price Book Entries", KEY_PREFIXES["PricebookEntry"],
                     fields)  # fmt: skip


def account_team_member() -> ObjectDef:
    fields = (
        *id_fields()[:1],
        replace(reference("AccountId", "Account ID", "Account", "Account"), nillable=False),
        replace(reference("UserId", "User ID", "User", "User"), nillable=False),
        picklist("TeamMemberRole", "Team Role", TEAM_ROLES),
        picklist("AccountAccessLevel", "Account Access", ("Read", "Edit", "All")),
        picklist("OpportunityAccessLevel", "Opportunity Access", ("None", "Read", "Edit")),
        *system_fields(),
    )
    return ObjectDef("AccountTeamMember", "Account Team Member", "Account Team Members",
                     KEY_PREFIXES["AccountTeamMember"], fields)  # fmt: skip


def currency_type() -> ObjectDef:
    fields = (
        *id_fields()[:1],
        replace(picklist("IsoCode", "Currency ISO Code", CURRENCIES), nillable=False),
        number("ConversionRate", "Conversion Rate", "double", 18, 6),
        integer("DecimalPlaces", "Decimal Places", 9),
        flag("IsActive", "Active"),
        read_only(flag("IsCorporate", "Corporate")),
        *system_fields(),
    )
    return ObjectDef("CurrencyType", "Currency Type", "Currency Types", KEY_PREFIXES["CurrencyType"], fields)


def dated_conversion_rate() -> ObjectDef:
    """Advanced currency management's dated rates (Object Reference: DatedConversionRate); NextStartDate is
    read-only, the StartDate of the currency's next range."""
    fields = (
        *id_fields()[:1],
        replace(picklist("IsoCode", "Currency ISO Code", CURRENCIES), nillable=False, updateable=False),
        replace(number("ConversionRate", "Conversion Rate", "double", 18, 6), nillable=False),
        replace(day("StartDate", "Start Date"), nillable=False, updateable=False),
        read_only(day("NextStartDate", "Next Start Date")),
        *system_fields(),
    )
    prefix = KEY_PREFIXES["DatedConversionRate"]
    return ObjectDef("DatedConversionRate", "Dated Conversion Rate", "Dated Conversion Rates", prefix, fields)


def organization() -> ObjectDef:
    fields = tuple(
        read_only(f)
        for f in (
            *id_fields()[:1],
            text("Name", "Name", 80),
            flag("IsSandbox", "Is Sandbox"),
            picklist("OrganizationType", "Edition", ("Enterprise Edition", "Unlimited Edition")),
            text("InstanceName", "Instance Name", 5),
            picklist("DefaultCurrencyIsoCode", "Currency", CURRENCIES),
            *system_fields(),
        )
    )
    flags = {"createable": False, "updateable": False, "deletable": False}
    return ObjectDef("Organization", "Organization", "Organizations", KEY_PREFIXES["Organization"], fields, **flags)


def permission_set() -> ObjectDef:
    fields = tuple(
        read_only(f)
        for f in (
            *id_fields()[:1],
            text("Name", "Name", 80),
            text("Label", "Label", 80),
            flag("IsOwnedByProfile", "Is Owned By Profile"),
            *system_fields(),
        )
    )
    return ObjectDef("PermissionSet", "Permission Set", "Permission Sets", KEY_PREFIXES["PermissionSet"], fields)


def permission_set_assignment() -> ObjectDef:
    fields = (
        *id_fields()[:1],
        reference("AssigneeId", "Assignee ID", "User", "Assignee"),
        reference("PermissionSetId", "Permission Set ID", "PermissionSet", "PermissionSet"),
        *system_fields(),
    )
    return ObjectDef(
        "PermissionSetAssignment",
        "Permission Set Assignment",
        "Permission Set Assignments",
        KEY_PREFIXES["PermissionSetAssignment"],
        fields,
    )


def field_permissions() -> ObjectDef:
    fields = (
        *id_fields()[:1],
        reference("ParentId", "Parent ID", "PermissionSet", "Parent"),
        replace(picklist("SobjectType", "Sobject Type Name", ()), nillable=False),
        replace(picklist("Field", "Field Name", ()), nillable=False),
        flag("PermissionsEdit", "Edit Field"),
        flag("PermissionsRead", "Read Field"),
        *system_fields(),
    )
    return ObjectDef(
        "FieldPermissions", "Field Permissions", "Field Permissions", KEY_PREFIXES["FieldPermissions"], fields
    )


def org_schema(multi_currency: bool, dated_rates: bool = False) -> Schema:
    """Every object type of the org; DatedConversionRate only with advanced currency management."""
    schema = Schema()
    for definition in (
        account(multi_currency), opportunity(multi_currency), opportunity_history(multi_currency),
        opportunity_stage(), product2(multi_currency), line_item(multi_currency), user(), organization(),
        permission_set(), permission_set_assignment(), field_permissions(), contact(multi_currency),
        opportunity_contact_role(), account_contact_relation(), pricebook2(), pricebook_entry(multi_currency),
        account_team_member(), campaign(), campaign_member(),
    ):  # fmt: skip
        schema.add(definition)
    if multi_currency:
        schema.add(currency_type())
    if multi_currency and dated_rates:
        schema.add(dated_conversion_rate())
    return schema
