"""REST query pages through one keep-alive `httpx.Client` and orjson, with the same token and error table."""

from __future__ import annotations

import ssl
from typing import Any

import httpx
import orjson
from simple_salesforce.api import Salesforce

from connectors.bodies import take_body
from connectors.salesforce.errortable import CallFailed, Failure, first_error
from connectors.salesforce.limits import LIMIT_HEADER
from connectors.salesforce.reader import QueryAnswer
from connectors.salesforce.session import OrgSession


class HttpxQueryPages:
    """The read loop's hot path: same session token, budget, retries and re-login as every other call."""

    def __init__(self, org: OrgSession, page_size: int) -> None:
        self.org = org
        ca = org.conn.ca_bundle
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca)) if ca else True
        self.client = httpx.Client(
            verify=verify,
            trust_env=False,
            timeout=org.retry.timeout,
            event_hooks={"response": [self._observe]},
        )
        self.headers = {"Sforce-Query-Options": f"batchSize={page_size}", "Accept": "application/json"}

    def _observe(self, response: httpx.Response) -> None:
        self.org.meter.observe(response.headers.get(LIMIT_HEADER))

    def _get(self, sf: Salesforce, url: str, params: dict[str, str] | None = None) -> QueryAnswer:
        headers = {**self.headers, "Authorization": f"Bearer {sf.session_id}"}
        answer = self.client.get(url, params=params, headers=headers)
        body = take_body(answer)
        if answer.status_code >= 300:
            try:
                content: Any = orjson.loads(body)
            except orjson.JSONDecodeError:
                content = answer.text
            code, message = first_error(content)
            raise CallFailed(Failure(answer.status_code, code, message))
        parsed: QueryAnswer = orjson.loads(body)
        return parsed

    def first(self, soql: str) -> QueryAnswer:
        """`GET /queryAll/?q=soql`."""
        url = self.org.data_url + "queryAll/"
        return self.org.call("queryAll", lambda sf: self._get(sf, url, {"q": soql}))

    def more(self, next_records_url: str) -> QueryAnswer:
        """`GET nextRecordsUrl` (relative to the instance), followed verbatim."""
        url = self.org.token.instance_url.rstrip("/") + next_records_url
        return self.org.call("queryAll (next page)", lambda sf: self._get(sf, url))

    def close(self) -> None:
        """Close the client's pool."""
        self.client.close()
