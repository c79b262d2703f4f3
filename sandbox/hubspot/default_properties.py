"""HubSpot's default properties and groups for companies, deals and contacts (plus our link field)."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from sandbox.hubspot import commerce_properties
from sandbox.hubspot.pipelines import PIPELINES
from sandbox.hubspot.properties import Option, PropertyDef, PropertyGroup, PropertySchema

__all__ = ["CURRENCY_CODES", "INDUSTRY_VALUES", "LIFECYCLE_VALUES", "SF_LINK_PROPERTY", "schema_for"]

SF_LINK_PROPERTY: Final = "salesforce_account_id"
CURRENCY_CODES: Final = ("USD", "EUR", "GBP", "JPY")
_LINK_CREATED: Final = 1_672_531_200_000  # 2023-01-01, when the integration's field was added

# The world's neutral industry -> HubSpot's industry enumeration value and label.
INDUSTRY_VALUES: Final = MappingProxyType({
    "Technology": ("COMPUTER_SOFTWARE", "Computer Software"),
    "Finance": ("FINANCIAL_SERVICES", "Financial Services"),
    "Healthcare": ("HOSPITAL_HEALTH_CARE", "Hospital & Health Care"),
    "Manufacturing": ("MACHINERY", "Machinery"),
    "Retail": ("RETAIL", "Retail"),
    "Education": ("EDUCATION_MANAGEMENT", "Education Management"),
    "Media": ("MEDIA_PRODUCTION", "Media Production"),
    "Energy": ("OIL_ENERGY", "Oil & Energy"),
    "Transportation": ("TRANSPORTATION_TRUCKING_RAILROAD", "Transportation/Trucking/Railroad"),
    "Hospitality": ("HOSPITALITY", "Hospitality"),
    "Telecommunications": ("TELECOMMUNICATIONS", "Telecommunications"),
    "Insurance": ("INSURANCE", "Insurance"),
})  # fmt: skip
_EXTRA_INDUSTRIES: Final = (
    ("ACCOUNTING", "Accounting"), ("AIRLINES_AVIATION", "Airlines/Aviation"), ("BANKING", "Banking"),
    ("INFORMATION_TECHNOLOGY_AND_SERVICES", "Information Technology and Services"),
    ("MARKETING_AND_ADVERTISING", "Marketing and Advertising"), ("NONPROFIT_ORGANIZATION_MANAGEMENT",
    "Non-Profit Organization Management"),
)  # fmt: skip
LIFECYCLE_VALUES: Final = (
    ("subscriber", "Subscriber"), ("lead", "Lead"), ("marketingqualifiedlead", "Marketing Qualified Lead"),
    ("salesqualifiedlead", "Sales Qualified Lead"), ("opportunity", "Opportunity"), ("customer", "Customer"),
    ("evangelist", "Evangelist"), ("other", "Other"),
)  # fmt: skip


def _opts(pairs: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> tuple[Option, ...]:
    return tuple(Option(label, value, i) for i, (value, label) in enumerate(pairs))


def _empty(name: str, label: str, group: str, description: str, kind: str = "string", field: str = "text",
           **extra: object) -> PropertyDef:  # fmt: skip
    """A default property generated records leave empty (stored only where written)."""
    return PropertyDef(name, label, kind, field, group, description, sparse=True, **extra)  # type: ignore[arg-type]


def _company_defaults(g: str) -> list[PropertyDef]:
    """HubSpot's default company properties the world does not fill (crm-companies-v3 properties reference)."""
    types = (("PROSPECT", "Prospect"), ("PARTNER", "Partner"), ("RESELLER", "Reseller"), ("VENDOR", "Vendor"),
             ("OTHER", "Other"))  # fmt: skip
    return [
        _empty("description", "Description", g, "A short statement about the company's mission and goals.",
               field="textarea", form_field=True),
        _empty("phone", "Phone Number", g, "A company's primary phone number.", field="phonenumber", form_field=True),
        _empty("address", "Street Address", g, "The street address of the company or organization.", form_field=True),
        _empty("address2", "Street Address 2", g, "The additional address of the company or organization."),
        _empty("city", "City", g, "The city where the company is located.", form_field=True),
        _empty("state", "State/Region", g, "The state or region in which the company is located.", form_field=True),
        _empty("zip", "Postal Code", g, "The postal or zip code of the company or organization.", form_field=True),
        _empty("website", "Website URL", g, "The main website of the company or organization.", form_field=True),
        _empty("type", "Type", g, "The optional classification of this company record.", "enumeration", "select",
               options=_opts(types), form_field=True),
        _empty("founded_year", "Year Founded", g, "The year the company was created."),
        _empty("timezone", "Time Zone", g, "The time zone where the company is located."),
        _empty("linkedin_company_page", "LinkedIn Company Page", g, "The URL of the LinkedIn company page."),
        _empty("twitterhandle", "Twitter Handle", g, "The main Twitter handle of the company."),
        _empty("about_us", "About Us", g, "A short statement about the company.", field="textarea"),
        _empty("total_revenue", "Total Revenue", "companyactivity", "The sum of all closed won deals' amounts",
               "number", "number", calculated=True, read_only_value=True),
        _empty("num_associated_contacts", "Number of Associated Contacts", "companyactivity",
               "The number of contacts associated with this company", "number", "number", calculated=True,
               read_only_value=True),
        _empty("num_associated_deals", "Number of Associated Deals", "companyactivity",
               "The number of deals associated with this company", "number", "number", calculated=True,
               read_only_value=True),
    ]  # fmt: skip


def _deal_defaults(g: str) -> list[PropertyDef]:
    """HubSpot's default deal properties the world does not fill (crm-deals-v3 properties reference)."""
    priorities = (("low", "Low"), ("medium", "Medium"), ("high", "High"))
    return [
        _empty("description", "Deal Description", g, "Description of the deal", field="textarea", form_field=True),
        _empty("hs_priority", "Priority", g, "The priority of the deal", "enumeration", "select",
               options=_opts(priorities)),
        _empty("hs_next_step", "Next step", g, "A short description of the next step for the deal"),
        _empty("hs_forecast_amount", "Forecast amount", g, "The custom forecasted deal value", "number", "number"),
        _empty("closed_lost_reason", "Closed Lost Reason", g, "Reason why this deal was lost", field="textarea"),
        _empty("closed_won_reason", "Closed Won Reason", g, "Reason why this deal was won", field="textarea"),
        _empty("num_associated_contacts", "Number of Contacts", "deal_activity",
               "The number of contacts associated with this deal", "number", "number", calculated=True,
               read_only_value=True),
        _empty("hs_acv", "Annual contract value", g, "The annual contract value of this deal", "number", "number",
               calculated=True, read_only_value=True),
        _empty("hs_arr", "Annual recurring revenue", g, "The annual recurring revenue of this deal", "number",
               "number", calculated=True, read_only_value=True),
        _empty("hs_mrr", "Monthly recurring revenue", g, "The monthly recurring revenue of this deal", "number",
               "number", calculated=True, read_only_value=True),
        _empty("hs_tcv", "Total contract value", g, "The total contract value of this deal", "number", "number",
               calculated=True, read_only_value=True),
    ]  # fmt: skip


def _common(group: str, kind: str) -> list[PropertyDef]:
    """Record-keeping properties every object has."""
    return [
        PropertyDef("createdate", "Create Date", "datetime", "date", group, f"The date the {kind} was created",
                    read_only_value=True),
        PropertyDef("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", group,
                    f"Most recent timestamp of any property update for this {kind}", read_only_value=True),
        PropertyDef("hs_object_id", "Record ID", "number", "number", group,
                    "The unique ID for this record. This value is set automatically by HubSpot.",
                    read_only_value=True),
        PropertyDef("hs_merged_object_ids", f"Merged {kind.title()} IDs", "enumeration", "checkbox", group,
                    f"The list of {kind} record IDs that have been merged into this {kind}",
                    read_only_value=True, calculated=False),
        PropertyDef("hubspot_owner_id", f"{kind.title()} owner", "enumeration", "select", group,
                    f"The owner of the {kind}", external_options=True, referenced_object_type="OWNER",
                    form_field=True),
    ]  # fmt: skip


def _companies() -> PropertySchema:
    g = "companyinformation"
    industries = [*INDUSTRY_VALUES.values(), *_EXTRA_INDUSTRIES]
    props = [
        PropertyDef("name", "Company name", "string", "text", g, "The name of the company or organization.",
                    display_order=0, form_field=True),
        PropertyDef("domain", "Company Domain Name", "string", "text", g,
                    "The domain name of the company or organization", display_order=1, form_field=True),
        PropertyDef("industry", "Industry", "enumeration", "select", g, "The type of business the company "
                    "performs", options=_opts(sorted(industries)), display_order=2, form_field=True),
        PropertyDef("numberofemployees", "Number of Employees", "number", "number", g,
                    "The total number of employees who work for the company", form_field=True),
        PropertyDef("annualrevenue", "Annual Revenue", "number", "number", g,
                    "The actual or estimated annual revenue of the company", show_currency_symbol=True,
                    form_field=True),
        PropertyDef("country", "Country/Region", "string", "text", g,
                    "The country/region in which the company or organization is located", form_field=True),
        PropertyDef("hs_parent_company_id", "Parent Company", "number", "number", g,
                    "The ID of the parent company", read_only_value=True),
        PropertyDef("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", g,
                    "The qualification of companies to sales readiness.", options=_opts(LIFECYCLE_VALUES),
                    form_field=True),
        *_company_defaults(g),
        *_common(g, "company"),
        PropertyDef(SF_LINK_PROPERTY, "Salesforce Account ID", "string", "text", g,
                    "The id of the matching Salesforce Account", has_unique_value=True, hubspot_defined=False,
                    read_only_definition=False, created_at=_LINK_CREATED, updated_at=_LINK_CREATED),
    ]  # fmt: skip
    groups = [PropertyGroup(g, "Company information", 0), PropertyGroup("companyactivity", "Company activity", 1)]
    return PropertySchema("companies", props, groups)


def _stage_dates() -> list[PropertyDef]:
    out = []
    for pipeline in PIPELINES:
        for stage in pipeline.stages:
            label = f"{stage.label} ({pipeline.label})"
            out.append(
                PropertyDef(
                    f"hs_v2_date_entered_{stage.id}",
                    f'Date entered "{label}"',
                    "datetime",
                    "date",
                    "deal_activity",
                    f"The date and time when the deal entered the '{label}' stage",
                    calculated=True,
                    read_only_value=True,
                    hidden=True,
                )
            )
            out.append(
                PropertyDef(
                    f"hs_v2_date_exited_{stage.id}",
                    f'Date exited "{label}"',
                    "datetime",
                    "date",
                    "deal_activity",
                    f"The date and time when the deal exited the '{label}' stage",
                    calculated=True,
                    read_only_value=True,
                    hidden=True,
                )
            )
    return out  # fmt: skip


def _deals() -> PropertySchema:
    g = "dealinformation"
    stages = [(s.id, s.label) for p in PIPELINES for s in p.stages]
    props = [
        PropertyDef("dealname", "Deal Name", "string", "text", g, "The name given to this deal.", display_order=0,
                    form_field=True),
        PropertyDef("amount", "Amount", "number", "number", g, "The total amount of the deal",
                    show_currency_symbol=True, display_order=1, form_field=True),
        PropertyDef("deal_currency_code", "Currency", "enumeration", "select", g, "Currency code for the deal.",
                    options=_opts([(c, c) for c in CURRENCY_CODES])),
        PropertyDef("dealstage", "Deal Stage", "enumeration", "radio", g, "The stage of the deal.",
                    options=_opts(stages), display_order=2, form_field=True),
        PropertyDef("pipeline", "Pipeline", "enumeration", "select", g, "The pipeline the deal is in.",
                    options=_opts([(p.id, p.label) for p in PIPELINES]), display_order=3),
        PropertyDef("closedate", "Close Date", "datetime", "date", g, "Date the deal was closed or is expected "
                    "to close.", form_field=True),
        PropertyDef("dealtype", "Deal Type", "enumeration", "radio", g, "The type of deal.",
                    options=_opts([("newbusiness", "New Business"), ("existingbusiness", "Existing Business")]),
                    form_field=True),
        PropertyDef("hs_is_closed", "Is Deal Closed?", "bool", "booleancheckbox", g,
                    "True if the deal is in a closed stage", calculated=True, read_only_value=True,
                    options=_opts([("true", "True"), ("false", "False")])),
        PropertyDef("hs_is_closed_won", "Is Closed Won", "bool", "booleancheckbox", g,
                    "True if the deal is in the closed won state", calculated=True, read_only_value=True,
                    options=_opts([("true", "True"), ("false", "False")])),
        PropertyDef("hs_deal_stage_probability", "Deal probability", "number", "number", g,
                    "The probability a deal will close, from the deal stage", calculated=True,
                    read_only_value=True),
        *_deal_defaults(g),
        *_common(g, "deal"),
        *_stage_dates(),
    ]  # fmt: skip
    groups = [PropertyGroup(g, "Deal information", 0), PropertyGroup("deal_activity", "Deal activity", 1)]
    return PropertySchema("deals", props, groups)


def _contacts() -> PropertySchema:
    g = "contactinformation"
    props = [
        PropertyDef("email", "Email", "string", "text", g, "A contact's email address", has_unique_value=False,
                    form_field=True),
        PropertyDef("firstname", "First Name", "string", "text", g, "A contact's first name", form_field=True),
        PropertyDef("lastname", "Last Name", "string", "text", g, "A contact's last name", form_field=True),
        PropertyDef("createdate", "Create Date", "datetime", "date", g, "The date the contact was created",
                    read_only_value=True),
        PropertyDef("lastmodifieddate", "Last Modified Date", "datetime", "date", g,
                    "The date any property on this contact was modified", read_only_value=True),
        PropertyDef("hs_object_id", "Record ID", "number", "number", g, "The unique ID for this record.",
                    read_only_value=True),
        PropertyDef("hubspot_owner_id", "Contact owner", "enumeration", "select", g, "The owner of the contact",
                    external_options=True, referenced_object_type="OWNER"),
        _empty("hs_merged_object_ids", "Merged Contact IDs", g,
               "The list of contact record IDs that have been merged into this contact", "enumeration", "checkbox",
               read_only_value=True),
        _empty("phone", "Phone Number", g, "A contact's primary phone number", field="phonenumber", form_field=True),
        _empty("mobilephone", "Mobile Phone Number", g, "A contact's mobile phone number", field="phonenumber"),
        _empty("company", "Company Name", g, "Name of the contact's company", form_field=True),
        PropertyDef("jobtitle", "Job Title", "string", "text", g, "A contact's job title", form_field=True),
        _empty("website", "Website URL", g, "Associated company website."),
        _empty("address", "Street Address", g, "Contact's street address, including apartment or unit number."),
        _empty("city", "City", g, "A contact's city of residence", form_field=True),
        _empty("state", "State/Region", g, "The contact's state of residence.", form_field=True),
        _empty("zip", "Postal Code", g, "The contact's zip code."),
        _empty("country", "Country/Region", g, "The contact's country/region of residence."),
        _empty("lifecyclestage", "Lifecycle Stage", g, "The qualification of contacts to sales readiness.",
               "enumeration", "radio", options=_opts(LIFECYCLE_VALUES)),
        PropertyDef("associatedcompanyid", "Primary Associated Company ID", "number", "number", g,
                    "HubSpot defined ID of a contact's primary associated company in HubSpot."),
        PropertyDef("notes_last_updated", "Last Activity Date", "datetime", "date", "sales_properties",
                    "The last time a call, chat conversation, LinkedIn message, postal mail, meeting, sales email, "
                    "SMS, or WhatsApp message was logged or a note or task was created.", read_only_value=True),
    ]  # fmt: skip
    groups = [PropertyGroup(g, "Contact information", 0), PropertyGroup("sales_properties", "Sales properties", 1)]
    return PropertySchema("contacts", props, groups)


_FACTORIES: Final = {
    "companies": _companies, "deals": _deals, "contacts": _contacts, "products": commerce_properties.products,
    "line_items": commerce_properties.line_items, "tickets": commerce_properties.tickets,
}  # fmt: skip


def schema_for(object_type: str) -> PropertySchema:
    """A fresh schema (each account owns its own copy, since properties can be created and removed)."""
    return _FACTORIES[object_type]()
