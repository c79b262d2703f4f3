"""One logged-in org: the shared `requests.Session`, the SDK client, and every call through the error table.

Each call goes: budget check -> request -> error table. RETRY and RATE_LIMITED are retried with
exponential backoff and jitter (bounded attempts); REAUTH logs in again once and repeats the call; STOP
raises at once, never sleeping; SKIP and FAIL raise for the caller to decide.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.util import exception_handler
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from config.models import SalesforceConnection
from connectors.budget import ApiBudget
from connectors.errors import Action, AuthError, RetriableError
from connectors.salesforce.auth import Token, login
from connectors.salesforce.errortable import action_for, error_for, failure_of
from connectors.salesforce.limits import ApiMeter

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded retries of transient failures: `attempts` in all, waits random in [0, base * 2**n] up to `cap`."""

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0
    timeout: float = 120.0  # seconds a single request may take


class _SessionExpired(Exception):
    """Internal: the call answered 401 INVALID_SESSION_ID."""


def http_session(conn: SalesforceConnection, session: requests.Session | None = None) -> requests.Session:
    """Our `requests.Session`: the CA bundle trusted explicitly, the environment ignored (no REQUESTS_CA_BUNDLE)."""
    http = session or requests.Session()
    if conn.ca_bundle is not None:
        http.verify = str(conn.ca_bundle)
        http.trust_env = False
    return http


class OrgSession:
    """The one way this connector talks to the org."""

    def __init__(
        self,
        name: str,
        conn: SalesforceConnection,
        *,
        budget: ApiBudget | None = None,
        retry: RetryPolicy | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.name = name
        self.conn = conn
        self.retry = retry or RetryPolicy()
        self.meter = ApiMeter(budget)
        self.http = http_session(conn, session)
        self.http.hooks["response"].append(self.meter.on_response)
        self.logins = 0
        self._token: Token | None = None
        self._sf: Salesforce | None = None

    @property
    def token(self) -> Token:
        """The current token, logging in first if needed."""
        if self._token is None:
            self.relogin()
        assert self._token is not None
        return self._token

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce client on our session, in direct mode (it never logs in by itself)."""
        if self._sf is None:
            token = self.token
            self._sf = Salesforce(
                instance_url=token.instance_url,
                session_id=token.access_token,
                session=self.http,
                version=self.conn.api_version,
                object_pairs_hook=dict,  # the SDK's default OrderedDict triples the JSON parsing time
            )
        return self._sf

    @property
    def data_url(self) -> str:
        """`https://instance/services/data/vXX.0/`."""
        return f"{self.token.instance_url.rstrip('/')}/services/data/v{self.conn.api_version}/"

    def relogin(self) -> None:
        """Run the grant again (neither JWT nor client credentials return a refresh token)."""
        self._token = self._retrying(lambda: login(self.name, self.conn, self.http, self.retry.timeout))
        self._sf = None
        self.logins += 1

    def call(self, what: str, fn: Callable[[Salesforce], T]) -> T:
        """Run one request through budget, error table and retries; re-login once on an expired session."""
        for attempt in range(2):
            try:
                return self._retrying(lambda: self._once(what, fn))
            except _SessionExpired:
                if attempt:
                    message = f"{what}: session refused again after a re-login"
                    raise AuthError(self.name, message, code="INVALID_SESSION_ID", status=401) from None
                self.relogin()
        raise AssertionError("unreachable")

    def request(
        self,
        what: str,
        method: str,
        path: str,
        *,
        stream: bool = False,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """A raw call under `/services/data/vXX.0/` on the same session (Bulk 2.0, CSV bodies)."""

        def send(sf: Salesforce) -> requests.Response:
            sent = {"Authorization": f"Bearer {sf.session_id}", "Content-Type": "application/json"}
            answer = self.http.request(
                method,
                self.data_url + path.lstrip("/"),
                headers={**sent, **(headers or {})},
                stream=stream,
                timeout=self.retry.timeout,
                **kwargs,
            )
            if answer.status_code >= 300:
                answer.content  # noqa: B018 - read the (small) error body before the SDK parses it
                exception_handler(answer, name=path)
            return answer

        return self.call(what, send)

    def _once(self, what: str, fn: Callable[[Salesforce], T]) -> T:
        self.meter.before_call()
        try:
            return fn(self.sf)
        except Exception as exc:
            failure = failure_of(exc)
            if failure is None:
                raise
        # Raised outside the `except` so the SDK's exception, its frames and their response are freed now.
        action = action_for(failure)
        if action is Action.REAUTH:
            raise _SessionExpired
        raise error_for(self.name, failure, action, what)

    def _retrying(self, fn: Callable[[], T]) -> T:
        policy = self.retry
        retrying = Retrying(
            retry=retry_if_exception_type(RetriableError),
            wait=wait_random_exponential(multiplier=policy.base, max=policy.cap),
            stop=stop_after_attempt(policy.attempts),
            reraise=True,
        )
        return retrying(fn)

    def close(self) -> None:
        """Close the pools."""
        self.http.close()
