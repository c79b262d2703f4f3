"""An sfdx-style source package for custom fields we may not create ourselves, for an admin to deploy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from connectors.base import FieldSpec

NAMESPACE: Final = "http://soap.sforce.com/2006/04/metadata"
PERMISSION_SET: Final = "AccountSync_Integration"


def field_metadata(spec: FieldSpec) -> dict[str, Any]:
    """The CustomField metadata of a FieldSpec (shared by the Tooling API and the package)."""
    if spec.kind == "number":
        return {"label": spec.label, "type": "Number", "precision": spec.precision, "scale": spec.scale}
    if spec.kind == "percent":
        return {"label": spec.label, "type": "Percent", "precision": spec.precision, "scale": spec.scale}
    if spec.kind == "text":
        return {"label": spec.label, "type": "Text", "length": spec.length or 255}
    if spec.kind == "longtext":
        return {"label": spec.label, "type": "LongTextArea", "length": spec.length or 32768, "visibleLines": 3}
    return {"label": spec.label, "type": "Date"}


def _element(name: str, value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else escape(str(value))
    return f"    <{name}>{text}</{name}>"


def field_xml(spec: FieldSpec) -> str:
    """`X__c.field-meta.xml`."""
    entries = {"fullName": spec.name, **field_metadata(spec), "required": False, "externalId": False}
    body = "\n".join(_element(k, v) for k, v in entries.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<CustomField xmlns="{NAMESPACE}">\n{body}\n</CustomField>\n'


def permission_set_xml(obj: str, fields: Sequence[FieldSpec]) -> str:
    """A permission set granting read and edit on the fields (new fields have no field-level security)."""
    grants = "".join(
        "    <fieldPermissions>\n        <editable>true</editable>\n"
        f"        <field>{escape(obj)}.{escape(f.name)}</field>\n        <readable>true</readable>\n"
        "    </fieldPermissions>\n"
        for f in fields
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<PermissionSet xmlns="{NAMESPACE}">\n{grants}'
        f"    <label>AccountSync Integration</label>\n</PermissionSet>\n"
    )


def package_xml(obj: str, fields: Sequence[FieldSpec], api_version: str) -> str:
    """`package.xml` listing the fields and the permission set."""
    members = "".join(f"        <members>{escape(obj)}.{escape(f.name)}</members>\n" for f in fields)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Package xmlns="{NAMESPACE}">\n'
        f"    <types>\n{members}        <name>CustomField</name>\n    </types>\n"
        f"    <types>\n        <members>{PERMISSION_SET}</members>\n        <name>PermissionSet</name>\n    </types>\n"
        f"    <version>{escape(api_version)}</version>\n</Package>\n"
    )


def write_metadata_package(obj: str, fields: Sequence[FieldSpec], folder: Path, api_version: str = "62.0") -> Path:
    """Write `force-app/main/default/objects/{obj}/fields/X__c.field-meta.xml`, a permission set granting them,
    `package.xml` and `sfdx-project.json` under `folder`; deploy with `sf project deploy start --manifest
    package.xml`. Returns `folder`.
    """
    base = folder / "force-app" / "main" / "default"
    field_dir = base / "objects" / obj / "fields"
    field_dir.mkdir(parents=True, exist_ok=True)
    for spec in fields:
        (field_dir / f"{spec.name}.field-meta.xml").write_text(field_xml(spec), encoding="utf-8")
    sets = base / "permissionsets"
    sets.mkdir(parents=True, exist_ok=True)
    (sets / f"{PERMISSION_SET}.permissionset-meta.xml").write_text(permission_set_xml(obj, fields), encoding="utf-8")
    (folder / "package.xml").write_text(package_xml(obj, fields, api_version), encoding="utf-8")
    project = {"packageDirectories": [{"path": "force-app", "default": True}], "sourceApiVersion": api_version}
    (folder / "sfdx-project.json").write_text(json.dumps(project, indent=2) + "\n", encoding="utf-8")
    return folder
