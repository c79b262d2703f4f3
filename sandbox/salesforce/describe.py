"""describeGlobal, sObject describe and basic info, in the shape and with the keys a real org answers."""

from __future__ import annotations

from typing import Any

from sandbox.salesforce.schema import COMPOUND_TYPES, SOAP_TYPES, FieldDef, ObjectDef, Schema


def _urls(name: str, version: str) -> dict[str, str]:
    base = f"/services/data/v{version}/sobjects/{name}"
    return {
        "compactLayouts": f"{base}/describe/compactLayouts", "rowTemplate": f"{base}/{{ID}}",
        "approvalLayouts": f"{base}/describe/approvalLayouts",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "listviews": f"{base}/listviews", "describe": f"{base}/describe", "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts", "sobject": base,
    }  # fmt: skip


def global_entry(obj: ObjectDef, version: str) -> dict[str, Any]:
    """One element of describeGlobal's `sobjects` (also the `objectDescribe` of basic info)."""
    flags = obj.flags
    return {
        "activateable": False, "associateEntityType": None, "associateParentEntity": None,
        "createable": flags["createable"], "custom": obj.custom, "customSetting": False,
        "deepCloneable": False, "deletable": flags["deletable"], "deprecatedAndHidden": False,
        "feedEnabled": obj.name in {"Account", "Opportunity"}, "hasSubtypes": False, "isInterface": False,
        "isSubtype": False, "keyPrefix": obj.prefix, "label": obj.label, "labelPlural": obj.plural,
        "layoutable": flags["createable"], "mergeable": obj.name == "Account", "mruEnabled": flags["createable"],
        "name": obj.name, "queryable": flags["queryable"], "replicateable": True, "retrieveable": True,
        "searchable": flags["createable"], "triggerable": flags["createable"], "undeletable": flags["deletable"],
        "updateable": flags["updateable"], "urls": _urls(obj.name, version),
    }  # fmt: skip


def describe_global(schema: Schema, version: str) -> dict[str, Any]:
    entries = sorted((global_entry(o, version) for o in schema), key=lambda e: e["name"])
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": entries}


def field_entry(obj: ObjectDef, f: FieldDef) -> dict[str, Any]:
    """One field of a describe, with every key a real describe carries."""
    numeric = f.type in {"currency", "double", "percent"}
    text = f.is_text
    updateable = f.updateable and obj.editable(f)
    whole = f.type in COMPOUND_TYPES  # address and location: read as one value, never filtered nor sorted
    return {
        "aggregatable": f.type not in {"textarea"} and not whole, "aiPredictionField": False, "autoNumber": False,
        "byteLength": f.length * 3 if text or f.type in {"id", "reference"} else 0,
        "calculated": False, "calculatedFormula": None, "cascadeDelete": False, "caseSensitive": False,
        "compoundFieldName": f.compound_name, "controllerName": None, "createable": f.createable and obj.editable(f),
        "custom": f.custom, "defaultValue": False if f.type == "boolean" else None, "defaultValueFormula": None,
        "defaultedOnCreate": f.defaulted_on_create or f.name in {"OwnerId", "CurrencyIsoCode"},
        "dependentPicklist": False, "deprecatedAndHidden": False, "digits": f.digits,
        "displayLocationInDecimal": False, "encrypted": False, "externalId": f.external_id,
        "extraTypeInfo": "plaintextarea" if f.type == "textarea" else None, "filterable": not whole,
        "filteredLookupInfo": None, "formulaTreatNullNumberAsZero": False,
        "groupable": not numeric and f.type not in {"datetime", "textarea"} and not whole,
        "highScaleNumber": False, "htmlFormatted": False,
        "idLookup": f.type == "id" or f.external_id or (f.name == "Name" and obj.name == "User"),
        "inlineHelpText": None, "label": f.label, "length": f.length if text or f.type in {"id", "reference"} else 0,
        "mask": None, "maskType": None, "name": f.name, "nameField": f.name_field, "namePointing": False,
        "nillable": f.nillable, "permissionable": f.nillable and f.type != "id" and updateable,
        "picklistValues": [_picklist_value(v) for v in f.picklist], "polymorphicForeignKey": False,
        "precision": f.precision, "queryByDistance": False, "referenceTargetField": None,
        "referenceTo": list(f.reference_to), "relationshipName": f.relationship_name, "relationshipOrder": None,
        "restrictedDelete": False, "restrictedPicklist": f.restricted_picklist, "scale": f.scale,
        "searchPrefilterable": False, "soapType": SOAP_TYPES.get(f.type, "xsd:string"),
        "sortable": f.type != "textarea" and not whole, "type": f.type, "unique": f.unique, "updateable": updateable,
        "writeRequiresMasterRead": False,
    }  # fmt: skip


def _picklist_value(value: str) -> dict[str, Any]:
    return {"active": True, "defaultValue": False, "label": value, "validFor": None, "value": value}


def describe(obj: ObjectDef, schema: Schema, version: str) -> dict[str, Any]:
    """GET /sobjects/{T}/describe: the object's flags, its visible fields and child relationships."""
    children: list[dict[str, Any]] = [
        {
            "cascadeDelete": child.name in {"Opportunity", "OpportunityHistory", "OpportunityLineItem"},
            "childSObject": child.name,
            "deprecatedAndHidden": False,
            "field": f.name,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": _plural(child) if f.name != "MasterRecordId" else None,
            "restrictedDelete": False,
        }
        for child in schema
        for f in child.fields()
        if f.type == "reference" and obj.name in f.reference_to
    ]
    return global_entry(obj, version) | {
        "actionOverrides": [], "childRelationships": children, "compactLayoutable": True,
        "defaultImplementation": None, "extendedBy": None, "extendsInterfaces": None,
        "fields": [field_entry(obj, f) for f in obj.fields()], "implementedBy": None,
        "implementsInterfaces": None, "listviewable": None, "lookupLayoutable": None, "namedLayoutInfos": [],
        "networkScopeFieldName": None, "recordTypeInfos": [], "searchLayoutable": True,
        "sobjectDescribeOption": "FULL", "supportedScopes": [{"label": "All accounts", "name": "everything"}],
    }  # fmt: skip


def _plural(child: ObjectDef) -> str:
    return {"OpportunityHistory": "OpportunityHistories", "OpportunityLineItem": "OpportunityLineItems"}.get(
        child.name, child.plural.replace(" ", "")
    )


def basic_info(obj: ObjectDef, version: str) -> dict[str, Any]:
    """GET /sobjects/{T}/: the global entry plus recently viewed items (none, for an API user)."""
    return {"objectDescribe": global_entry(obj, version), "recentItems": []}
