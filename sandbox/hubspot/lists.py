"""Lists (HubSpot Lists API v3): MANUAL and SNAPSHOT lists of one object type and their memberships.

Only what the public reference gives a list without filters: a name unique per portal (case-insensitive),
`processingType` MANUAL or SNAPSHOT (DYNAMIC lists need a filter branch and are refused), a `listVersion` that
grows with every change, and memberships that record the moment each record joined. A record id that is not a
live record of the list's object type is reported missing, never added.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ObjectList", "ObjectLists"]


@dataclass
class ObjectList:
    """One list and its members (record id -> the millisecond it joined), in the order they joined."""

    list_id: int
    name: str
    object_type_id: str
    processing_type: str
    created_at: int
    updated_at: int
    version: int = 1
    members: dict[int, int] = field(default_factory=dict)
    deleted_at: int | None = None


@dataclass
class ObjectLists:
    """Every list of the portal, by id."""

    by_id: dict[int, ObjectList] = field(default_factory=dict)
    next_id: int = 1

    def named(self, name: str) -> ObjectList | None:
        """The live list with this name, in any case."""
        wanted = name.casefold()
        return next((x for x in self.by_id.values() if x.deleted_at is None and x.name.casefold() == wanted), None)

    def create(self, name: str, object_type_id: str, processing_type: str, now: int) -> ObjectList:
        made = ObjectList(self.next_id, name, object_type_id, processing_type, now, now)
        self.by_id[made.list_id] = made
        self.next_id += 1
        return made
