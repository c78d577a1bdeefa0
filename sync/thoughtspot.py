"""ThoughtSpot REST API v2 client: one method per endpoint this tool uses.

Retries live in one place, :meth:`Client._send`. Reads (sign-in, export,
search) are retried on 429, 502, 503, 504 and on connection failures. A TML
import is retried only on 429, which ThoughtSpot answers before doing any
work: after a 5xx or a timeout the import may have been applied, and sending
it again could apply it twice over a liveboard that has changed since.
"""

from __future__ import annotations

import email.utils
import html
import json
import logging
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
import urllib3

from sync import __version__

log = logging.getLogger("sync.thoughtspot")

API = "/api/rest/2.0/"
RETRY_STATUSES = frozenset({429, 502, 503, 504})
USER_AGENT = f"thoughtspot-view-sync/{__version__} (python-requests/{requests.__version__})"  # fmt: skip


class ThoughtSpotError(Exception):
    """A call failed. The message names the call, the environment's host and
    the server's code and text; it never holds a credential."""

    def __init__(
        self,
        call: str,
        env: str,
        host: str,
        message: str,
        status: int | None = None,
        code: int | None = None,
    ) -> None:
        self.call, self.env, self.host = call, env, host
        self.status, self.code, self.server_message = status, code, message
        where = f"{call} on {env} ({host})"
        details = ", ".join(
            p for p in (f"HTTP {status}" if status else "", f"code {code}" if code else "") if p
        )  # fmt: skip
        super().__init__(
            f"{where} failed{f' ({details})' if details else ''}: {message}"
        )


class AuthenticationError(ThoughtSpotError):
    """Sign-in refused, or a token refused again after signing in anew."""


class PermissionDenied(ThoughtSpotError):
    """HTTP 403: the account may not do this."""


class RateLimited(ThoughtSpotError):
    """Still HTTP 429 after every retry."""


class ConnectionFailed(ThoughtSpotError):
    """The cluster could not be reached, or did not answer in time."""


class ObjectError(ThoughtSpotError):
    """The call worked, but ThoughtSpot reported an object as failed."""


@dataclass(frozen=True)
class ExportItem:
    guid: str
    name: str
    edoc: str


@dataclass(frozen=True)
class ImportItem:
    index: int
    status: str  # OK, WARNING or ERROR
    message: str
    code: int | None
    guid: str | None
    name: str | None


class Client:
    def __init__(
        self,
        host: str,
        username: str,
        *,
        secret_key: str | None = None,
        password: str | None = None,
        org_id: int | None = None,
        env: str = "prod",
        timeout: float = 120,
        verify: bool | str = True,
        max_attempts: int = 5,
        backoff: float = 0.5,
        max_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        self.host, self.env = host.rstrip("/"), env
        self._username = username
        self._credential = (
            {"secret_key": secret_key} if secret_key else {"password": password or ""}
        )
        self._org_id = org_id
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_wait = max_wait
        self._sleep = sleep
        # Called with every new token, before it can be printed anywhere: the
        # caller masks it.
        self._on_token = on_token
        self._token: str | None = None
        self._session = requests.Session()
        self._session.verify = verify
        if verify is False:
            # Warned once by the caller; urllib3 would warn on every request.
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._session.headers.update(
            {
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                "Content-Type": "application/json",
            }
        )
        self.requests_made = 0

    # -- endpoints ---------------------------------------------------------

    def login(self) -> None:
        """``POST auth/token/full``: a bearer token for this user and Org."""
        body: dict[str, Any] = {"username": self._username, **self._credential}
        if self._org_id is not None:
            body["org_id"] = self._org_id
        # Long enough for a large import and its verification.
        body["validity_time_in_sec"] = 3600
        data = self._call("sign-in", "auth/token/full", body, authenticated=False)
        token = data.get("token") if isinstance(data, dict) else None
        if not token:
            raise AuthenticationError(
                "sign-in", self.env, self.host, "the response holds no token"
            )
        self._token = str(token)
        if self._on_token:
            self._on_token(self._token)
        self._session.headers["Authorization"] = f"Bearer {self._token}"

    @property
    def token(self) -> str | None:
        return self._token

    def export_liveboards(
        self, guids: Sequence[str], labels: Mapping[str, str] | None = None
    ) -> dict[str, ExportItem]:
        """``POST metadata/tml/export`` of several liveboards, as JSON edocs.

        Raises ObjectError naming every liveboard ThoughtSpot could not export.
        """
        body = {
            "metadata": [{"identifier": g, "type": "LIVEBOARD"} for g in guids],
            "edoc_format": "JSON",
            "export_associated": False,
            "export_fqn": True,
            "export_options": {"include_guid": True, "include_obj_id": True},
        }
        data = self._call("TML export", "metadata/tml/export", body)
        if not isinstance(data, list):
            raise self._unexpected("TML export", data)
        items: dict[str, ExportItem] = {}
        failures: list[str] = []
        labels = labels or {}

        def who(guid: str) -> str:
            return (
                f"{labels[guid]} liveboard {guid}"
                if guid in labels
                else f"liveboard {guid}"
            )

        for guid, item in zip(guids, data, strict=False):
            info = item.get("info", {}) if isinstance(item, dict) else {}
            status = info.get("status", {}) if isinstance(info, dict) else {}
            code = status.get("status_code")
            edoc = item.get("edoc") if isinstance(item, dict) else None
            if code != "OK" and code != "WARNING":
                message = self._scrub(
                    clean_message(status.get("error_message") or "no reason given")
                )
                failures.append(f"{who(guid)}: {message}")
            elif not isinstance(edoc, str) or not edoc.strip():
                failures.append(f"{who(guid)}: the export holds no TML (empty edoc)")
            else:
                items[guid] = ExportItem(guid, str(info.get("name") or ""), edoc)
        for guid in guids[len(data) :]:
            failures.append(f"{who(guid)}: missing from the response")
        if failures:
            raise ObjectError("TML export", self.env, self.host, "; ".join(failures))
        return items

    def liveboard_views(self, guids: Sequence[str]) -> dict[str, list[dict]] | None:
        """``POST metadata/search``: every personalized view of each liveboard,
        other users' private ones included (26.5.0.cl and later).

        None when the cluster does not know the field or the call (HTTP 400,
        404, 405, 501, or no ``personalised_views`` in the answer); a
        liveboard missing from the answer maps to no entry.
        """
        body = {
            "metadata": [{"identifier": g, "type": "LIVEBOARD"} for g in guids],
            "include_details": True,
            "include_personalised_views": True,
            "record_offset": 0,
            "record_size": max(len(guids), 1),
        }
        try:
            data = self._call("metadata search", "metadata/search", body)
        except ThoughtSpotError as exc:
            # 400: a release that does not know the field; 404/405/501: a
            # gateway or release without the endpoint. Either way: no listing.
            if exc.status in (400, 404, 405, 501):
                return None
            raise
        if not isinstance(data, list):
            raise self._unexpected("metadata search", data)
        found: dict[str, list[dict]] = {}
        for item in data:
            if not isinstance(item, dict):
                continue
            detail = item.get("metadata_detail")
            views = (
                detail.get("personalised_views") if isinstance(detail, dict) else None
            )
            if not isinstance(views, list):
                return None
            found[str(item.get("metadata_id", "")).lower()] = [
                v for v in views if isinstance(v, dict)
            ]
        return found

    def import_tml(
        self, documents: Sequence[str], policy: str, upsert_views: bool = False
    ) -> list[ImportItem]:
        """``POST metadata/tml/import``; returns one item per document."""
        body: dict[str, Any] = {
            "metadata_tmls": list(documents),
            "import_policy": policy,
            "create_new": False,
        }
        if upsert_views:
            body["enable_personalized_view_upsert"] = True
        data = self._call("TML import", "metadata/tml/import", body, retry_5xx=False)
        if not isinstance(data, list):
            raise self._unexpected("TML import", data)
        items = []
        for i, item in enumerate(data):
            response = item.get("response", {}) if isinstance(item, dict) else {}
            status = response.get("status", {}) if isinstance(response, dict) else {}
            header = response.get("header") if isinstance(response, dict) else None
            items.append(
                ImportItem(
                    index=item.get("request_index", i) if isinstance(item, dict) else i,
                    status=str(status.get("status_code") or "ERROR"),
                    message=self._scrub(
                        clean_message(status.get("error_message") or "")
                    ),
                    code=_int_or_none(status.get("error_code")),
                    guid=header.get("id_guid") if isinstance(header, dict) else None,
                    name=header.get("name") if isinstance(header, dict) else None,
                )
            )
        if len(items) != len(documents):
            raise self._unexpected("TML import", data)
        return items

    # -- the one place requests are sent and retried -----------------------

    def _call(
        self,
        call: str,
        path: str,
        body: dict[str, Any],
        *,
        authenticated: bool = True,
        retry_5xx: bool = True,
    ) -> Any:
        response = self._send(call, path, body, retry_5xx=retry_5xx)
        if response.status_code == 401 and authenticated:
            # Tokens expire; sign in once more and repeat the call. A 401 means
            # the call was refused, so repeating even an import is safe.
            log.info("%s: token refused by %s, signing in again", call, self.env)
            self.login()
            response = self._send(call, path, body, retry_5xx=retry_5xx)
        if 300 <= response.status_code < 400:
            where = response.headers.get("Location", "elsewhere")
            raise ThoughtSpotError(
                call,
                self.env,
                self.host,
                f"the cluster redirects to {self._scrub(where)[:200]}; set the host to "
                "the cluster's own URL (redirects are not followed, so that "
                "credentials never go to another address)",
                response.status_code,
            )
        if response.status_code >= 400:
            raise self._http_error(call, response, authenticated)
        try:
            return response.json()
        except ValueError:
            raise self._unexpected(call, response.text) from None

    def _send(
        self, call: str, path: str, body: dict[str, Any], *, retry_5xx: bool
    ) -> requests.Response:
        url = self.host + API + path
        retry_on = RETRY_STATUSES if retry_5xx else frozenset({429})
        waited = 0.0
        for attempt in range(1, self._max_attempts + 1):
            response: requests.Response | None = None
            started = time.monotonic()
            try:
                self.requests_made += 1
                # Never follow a redirect: a 307/308 would re-send the body,
                # credentials included, to wherever it points.
                response = self._session.post(
                    url, json=body, timeout=self._timeout, allow_redirects=False
                )
            except requests.exceptions.SSLError as exc:
                raise ConnectionFailed(
                    call, self.env, self.host, f"TLS error: {_reason(exc)}"
                ) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                # A timed-out import may have been applied: never send it again.
                if not retry_5xx or attempt == self._max_attempts:
                    raise ConnectionFailed(
                        call, self.env, self.host, _reason(exc)
                    ) from None
                delay = self._delay(attempt, None)
                reason = _reason(exc)
            else:
                elapsed = time.monotonic() - started
                log.debug(
                    "%s on %s: HTTP %s in %.2fs",
                    call,
                    self.env,
                    response.status_code,
                    elapsed,
                )
                if response.status_code not in retry_on:
                    return response
                if attempt == self._max_attempts:
                    return response
                delay = self._delay(attempt, response.headers.get("Retry-After"))
                reason = f"HTTP {response.status_code}"
            if waited + delay > self._max_wait:
                if response is not None:
                    return response
                raise ConnectionFailed(
                    call, self.env, self.host, f"{reason}; gave up after {waited:.0f}s"
                )
            log.info(
                "%s on %s: %s, retrying in %.1fs (attempt %d of %d)",
                call,
                self.env,
                reason,
                delay,
                attempt + 1,
                self._max_attempts,
            )
            self._sleep(delay)
            waited += delay
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        hinted = _retry_after_seconds(retry_after)
        if hinted is not None:
            return hinted
        # Exponential backoff, each wait drawn between half and all of its
        # step, so parallel promotions on one cluster do not retry in
        # lockstep: 0.5, 1, 2, 4 s at most with the defaults.
        base = self._backoff * 2 ** (attempt - 1)
        return random.uniform(base / 2, base)

    # -- errors ------------------------------------------------------------

    def _http_error(
        self, call: str, response: requests.Response, authenticated: bool
    ) -> ThoughtSpotError:
        code, message = parse_error_body(self._scrub(response.text))
        status = response.status_code
        args = (call, self.env, self.host, message, status, code)
        if status == 401:
            if not authenticated:
                return AuthenticationError(*args)
            return AuthenticationError(
                call,
                self.env,
                self.host,
                f"{message} (refused again after signing in anew)",
                status,
                code,
            )
        if status == 403:
            if not authenticated:
                return AuthenticationError(*args)
            return PermissionDenied(*args)
        if status == 429:
            return RateLimited(
                call,
                self.env,
                self.host,
                f"rate-limited by ThoughtSpot (HTTP 429); gave up within the "
                f"retry budget of {self._max_wait:.0f}s: {message}",
                status,
                code,
            )
        return ThoughtSpotError(*args)

    def _scrub(self, text: str) -> str:
        """Our own credentials out of server text, before it is cut short (a
        cut secret would slip past any later masking), JSON-escaped forms too."""
        for secret in (*self._credential.values(), self._token):
            if secret:
                for form in (secret, json.dumps(secret)[1:-1]):
                    text = text.replace(form, "***")
        return text

    def _unexpected(self, call: str, data: Any) -> ThoughtSpotError:
        text = self._scrub(data if isinstance(data, str) else json.dumps(data))
        return ThoughtSpotError(
            call,
            self.env,
            self.host,
            f"unexpected response: {clean_message(text)[:300]}",
        )


def parse_error_body(text: str) -> tuple[int | None, str]:
    """The code and a human message from either error body shape ThoughtSpot
    sends, falling back to the raw text."""
    try:
        data = json.loads(text)
    except ValueError:
        raw = clean_message(text).strip()
        return None, (raw[:300] if raw else "empty response")
    message = data.get("error", {}).get("message") if isinstance(data, dict) else None
    if isinstance(message, dict):
        inner = message.get("debug")
        if isinstance(inner, dict):  # live clusters nest one level deeper
            return _int_or_none(inner.get("code")), _debug_text(inner.get("debug"))
        return _int_or_none(message.get("code")), _debug_text(inner)
    if isinstance(message, str) and message:
        return None, clean_message(message)
    return None, clean_message(text)[:300]


def _debug_text(value: Any) -> str:
    # The innermost `debug` is often a JSON-encoded array of strings.
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            decoded = value
        if isinstance(decoded, list):
            value = "; ".join(str(v) for v in decoded if str(v).strip())
    text = clean_message(str(value or "")).strip()
    return text or "no message"


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def clean_message(text: str) -> str:
    """Server messages may carry HTML: ``<br/>`` becomes a line break, other
    tags go, entities are decoded."""
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", str(text)))).strip()


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


_REASONS = (
    r"certificate verify failed: [^(\"')]+",
    r"Connection refused",
    r"Name or service not known|Temporary failure in name resolution",
    r"Connection reset by peer|RemoteDisconnected|Connection aborted",
    r"WRONG_VERSION_NUMBER|wrong version number",
    r"\[SSL: [A-Z_]+\][^(\"')]*",
    r"timed out",
)


def _reason(exc: Exception) -> str:
    # requests' messages repeat the URL and nest exceptions; the innermost
    # cause ("Connection refused", "certificate verify failed: ...") is what a
    # reader needs.
    if isinstance(exc, requests.Timeout):
        return "no answer in time (timeout)"
    text = str(exc)
    for pattern in _REASONS:
        match = re.search(pattern, text)
        if match:
            reason = match.group(0).strip()
            if "WRONG_VERSION" in reason or "wrong version" in reason:
                return "the server does not speak TLS here (is the host http://?)"
            if "RemoteDisconnected" in reason or "aborted" in reason:
                return f"{reason} (is the host https://?)"
            return reason
    return type(exc).__name__
