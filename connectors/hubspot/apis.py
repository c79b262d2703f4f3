"""The hubspot-api-client API objects a connector uses, each built once from the connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import hubspot
import hubspot.crm.associations.v4 as associations_v4
import hubspot.crm.objects as objects
import hubspot.crm.pipelines as pipelines
import hubspot.crm.properties as properties
import urllib3

from config.models import HubSpotConnection

__all__ = ["API_EXCEPTIONS", "HubSpotApis", "build_apis"]

# Every generated package has its own ApiException class; these are the ones our APIs raise.
API_EXCEPTIONS: tuple[type[Exception], ...] = (
    objects.ApiException,
    associations_v4.ApiException,
    pipelines.ApiException,
    properties.ApiException,
)


@dataclass(frozen=True, slots=True)
class HubSpotApis:
    """One generated API object per endpoint family (each owns one urllib3 pool).

    Each `client.crm...` property access builds a new ApiClient and pool, so they are read once here.
    """

    objects: Any  # hubspot.crm.objects.BasicApi: list, single reads
    search: Any  # hubspot.crm.objects.SearchApi
    batch: Any  # hubspot.crm.objects.BatchApi: read (histories), update, upsert
    associations: Any  # hubspot.crm.associations.v4.BatchApi
    pipelines: Any  # hubspot.crm.pipelines.PipelinesApi
    properties: Any  # hubspot.crm.properties.CoreApi
    groups: Any  # hubspot.crm.properties.GroupsApi
    owners: Any = None  # hubspot.crm.owners.OwnersApi

    def close(self) -> None:
        """Close every pool (and the SDK's lazily made thread pools)."""
        apis = (self.objects, self.search, self.batch, self.associations, self.pipelines, self.properties, self.groups,
                *((self.owners,) if self.owners is not None else ()))  # fmt: skip
        for api in apis:
            _close(api)


def _close(api: Any) -> None:
    client = api.api_client
    client.close()
    client.last_response = None  # the SDK keeps the last raw response, and with it a socket reference
    manager = client.rest_client.pool_manager
    # urllib3 2's PoolManager.clear() only forgets its pools: close each one's connections first.
    for key in list(manager.pools.keys()):  # a RecentlyUsedContainer cannot be iterated
        pool = manager.pools.get(key)
        if pool is not None:
            pool.close()
    manager.clear()


def build_apis(conn: HubSpotConnection) -> HubSpotApis:
    """Build the API objects: the token is unwrapped here only, handed to the SDK's configuration.

    `retry=Retry(0)` makes one call one request: urllib3 would otherwise silently retry GET 429/503s that
    carry `Retry-After`, hiding them from our own policy.
    """
    options: dict[str, Any] = {
        "access_token": conn.token.get_secret_value(),
        "host": conn.base_url.rstrip("/"),
        "retry": urllib3.Retry(0),
    }
    if conn.ca_bundle is not None:
        options["ssl_ca_cert"] = str(conn.ca_bundle)
    client = hubspot.Client.create(**options)
    crm = client.crm
    object_apis = crm.objects
    property_apis = crm.properties
    return HubSpotApis(
        objects=object_apis.basic_api,
        search=object_apis.search_api,
        batch=object_apis.batch_api,
        associations=crm.associations.v4.batch_api,
        pipelines=crm.pipelines.pipelines_api,
        properties=property_apis.core_api,
        groups=property_apis.groups_api,
        owners=crm.owners.owners_api,
    )
