"""The canonical records of people streams: what both connectors emit for contacts, their roles and the team.

Each CRM's connector maps its own names to these keys at the edge, so the store sees one shape whatever the CRM.
Every record has `source_id` (the CRM id), `modified_at` (aware UTC, the CRM's last-modified instant) and
`deleted` (bool). Besides, by stream kind:

- `person`: `account_source_id` (primary account/company), `first_name`, `last_name`, `name`, `title`, `email`,
  `owner_source_id`, `last_activity_at` (aware UTC or None), `created_at`, `merged_into` (the survivor's id when
  the CRM merged this record away), `merged_from` (ids merged into this one), `companies` (every associated
  account id, primary first; None when the CRM keeps relations apart), `deals` (`[(deal id, role label or
  None)]`; None when the CRM keeps roles apart).
- `account_contact`: `contact_source_id`, `account_source_id`, `direct`, `active`, `roles` (`;`-joined or None),
  `ended_on` (date or None).
- `deal_contact`: `opportunity_source_id`, `contact_source_id`, `role`, `primary`.
- `team_member`: `account_source_id`, `user_source_id`, `role`.
- `crm_user`: `name`, `email`, `title`, `team`, `active`.
"""

from __future__ import annotations

from typing import Final, Literal

__all__ = ["PEOPLE_KINDS", "PeopleKind"]

PeopleKind = Literal["person", "account_contact", "deal_contact", "team_member", "crm_user"]
PEOPLE_KINDS: Final[tuple[PeopleKind, ...]] = ("person", "account_contact", "deal_contact", "team_member", "crm_user")
