"""HubSpot's default properties for products, line items and tickets (the CRM object references' lists)."""

from __future__ import annotations

from typing import Final

from sandbox.hubspot.properties import Option, PropertyDef, PropertyGroup, PropertySchema

__all__ = ["line_items", "products", "tickets"]

_PRIORITIES: Final = (Option("Low", "LOW", 0), Option("Medium", "MEDIUM", 1), Option("High", "HIGH", 2))
_CATEGORIES: Final = (
    Option("Product Issue", "PRODUCT_ISSUE", 0),
    Option("Billing Issue", "BILLING_ISSUE", 1),
    Option("Feature Request", "FEATURE_REQUEST", 2),
    Option("General Inquiry", "GENERAL_INQUIRY", 3),
)
_FREQUENCIES: Final = tuple(
    Option(label, value, n) for n, (value, label) in enumerate(
        (("weekly", "Weekly"), ("monthly", "Monthly"), ("quarterly", "Quarterly"), ("annually", "Annually"))
    )
)  # fmt: skip


def _prop(name: str, label: str, group: str, description: str, kind: str = "string", field: str = "text",
          **extra: object) -> PropertyDef:  # fmt: skip
    return PropertyDef(name, label, kind, field, group, description, sparse=kind == "string", **extra)  # type: ignore[arg-type]


def _record(group: str, kind: str) -> list[PropertyDef]:
    return [
        PropertyDef("createdate", "Create Date", "datetime", "date", group, f"The date the {kind} was created",
                    read_only_value=True),
        PropertyDef("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", group,
                    f"Most recent timestamp of any property update for this {kind}", read_only_value=True),
        PropertyDef("hs_object_id", "Record ID", "number", "number", group,
                    "The unique ID for this record. This value is set automatically by HubSpot.", read_only_value=True),
        PropertyDef("hubspot_owner_id", f"{kind.title()} owner", "enumeration", "select", group,
                    f"The owner of the {kind}", external_options=True, referenced_object_type="OWNER"),
    ]  # fmt: skip


def products() -> PropertySchema:
    g = "productinformation"
    props = [
        _prop("name", "Name", g, "Product name", form_field=True, display_order=0),
        _prop("description", "Description", g, "Full description of product", field="textarea"),
        _prop("price", "Unit price", g, "Cost of product", "number", "number", show_currency_symbol=True),
        _prop("hs_sku", "SKU", g, "Unique product identifier"),
        _prop("hs_cost_of_goods_sold", "Unit cost", g, "Amount paid to produce or purchase", "number", "number"),
        _prop("hs_recurring_billing_period", "Term", g, "The length of a recurring billing period (ISO 8601)"),
        _prop("recurringbillingfrequency", "Billing frequency", g, "How often a line item with this product is "
              "billed", "enumeration", "select", options=_FREQUENCIES),
        _prop("hs_product_type", "Product type", g, "The type of product", "enumeration", "select",
              options=(Option("Inventory", "inventory", 0), Option("Non-inventory", "non_inventory", 1),
                       Option("Service", "service", 2))),
        *_record(g, "product"),
    ]  # fmt: skip
    return PropertySchema("products", props, [PropertyGroup(g, "Product information", 0)])


def line_items() -> PropertySchema:
    g = "lineiteminformation"
    props = [
        _prop("name", "Name", g, "Line item name", display_order=0),
        _prop("hs_product_id", "Product ID", g, "ID of the product this was copied from", "number", "number"),
        _prop("quantity", "Quantity", g, "How many units of a product are in this line item", "number", "number"),
        _prop("price", "Unit price", g, "The price per unit", "number", "number", show_currency_symbol=True),
        _prop("amount", "Net price", g, "The line item's total after discounts", "number", "number",
              calculated=True, read_only_value=True, show_currency_symbol=True),
        _prop("discount", "Unit discount", g, "The discount per unit", "number", "number"),
        _prop("hs_sku", "SKU", g, "Unique product identifier"),
        _prop("description", "Description", g, "Full description of product", field="textarea"),
        _prop("recurringbillingfrequency", "Billing frequency", g, "How often this line item is billed",
              "enumeration", "select", options=_FREQUENCIES),
        _prop("hs_recurring_billing_period", "Term", g, "The length of a recurring billing period (ISO 8601)"),
        *_record(g, "line item"),
    ]  # fmt: skip
    return PropertySchema("line_items", props, [PropertyGroup(g, "Line item information", 0)])


def tickets() -> PropertySchema:
    g = "ticketinformation"
    props = [
        _prop("subject", "Ticket name", g, "Short summary of ticket", form_field=True, display_order=0),
        _prop("content", "Ticket description", g, "Text in ticket description", field="textarea"),
        _prop("hs_pipeline", "Pipeline", g, "The pipeline that contains this ticket"),
        _prop("hs_pipeline_stage", "Ticket status", g, "The pipeline stage that contains this ticket"),
        _prop("hs_ticket_priority", "Priority", g, "The level of attention needed on the ticket", "enumeration",
              "select", options=_PRIORITIES),
        _prop("hs_ticket_category", "Category", g, "Main reason customer reached out for help", "enumeration",
              "checkbox", options=_CATEGORIES),
        _prop("source_type", "Source", g, "Channel where ticket was originally submitted"),
        *_record(g, "ticket"),
    ]  # fmt: skip
    return PropertySchema("tickets", props, [PropertyGroup(g, "Ticket information", 0)])
