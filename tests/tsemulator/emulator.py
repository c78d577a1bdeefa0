"""The public face of the emulator: set a cluster up, script failures, run it."""

from __future__ import annotations

import copy
import threading
import uuid
from collections import deque
from pathlib import Path
from typing import Any

from . import tml_document
from .error_bodies import ERROR_SHAPES
from .faults import Faults, HttpFault, ItemFault
from .http_server import EmulatorHTTPServer
from .import_endpoint import CODE_SCRIPTED
from .recording import RecordedRequest
from .spec_check import ENDPOINT_PATHS, SpecChecker, default_spec_path, load_checker
from .state import Liveboard, Store, User

ENDPOINTS = tuple(ENDPOINT_PATHS)
UNKNOWN_GUID_EXPORTS = ("error_item", "http_400")
PERSONALISED_VIEWS_SUPPORT = ("supported", "http_400", "absent")
EDOC_MODES = ("missing", "empty")


def _choice(name: str, allowed: tuple[str, ...]) -> property:
    """An attribute that refuses values the emulator would not understand."""
    private = f"_{name}"

    def get(self: Emulator) -> str:
        return getattr(self, private)

    def set(self: Emulator, value: str) -> None:
        if value not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, not {value!r}")
        setattr(self, private, value)

    return property(get, set)


class Emulator:
    """A ThoughtSpot REST API v2 double on 127.0.0.1, one Emulator per cluster."""

    error_shape = _choice("error_shape", ERROR_SHAPES)
    unknown_guid_export = _choice("unknown_guid_export", UNKNOWN_GUID_EXPORTS)
    personalised_views_support = _choice(
        "personalised_views_support", PERSONALISED_VIEWS_SUPPORT
    )

    def __init__(self, spec_path: Path | str | None = None, error_shape: str = "spec"):
        self._lock = threading.RLock()
        self.store = Store()
        self.faults = Faults()
        self._requests: list[RecordedRequest] = []
        self._spec_violations: list[str] = []
        self._server_errors: list[str] = []
        self._spec = _spec_checker(spec_path)
        self._server: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.error_shape = error_shape
        self.unknown_guid_export = "error_item"
        self.personalised_views_support = "supported"
        self.trusted_auth_enabled = True
        self.hide_other_users_private_views = False
        # The upsert flag is Early Access; False makes the server ignore it.
        self.personalized_view_upsert_enabled = True
        # Releases before 26.5.0.cl kept at most 100 views per import; None: no cap.
        self.view_limit: int | None = None

    # -- cluster content ---------------------------------------------------------

    def add_user(
        self,
        username: str,
        password: str | None = None,
        secret_key: str | None = None,
        orgs: tuple[int, ...] | list[int] = (0,),
        admin: bool = True,
        user_guid: str | None = None,
    ) -> User:
        user = User(
            username=username,
            password=password,
            secret_key=secret_key,
            orgs=tuple(orgs),
            admin=admin,
            guid=user_guid or str(uuid.uuid4()),
        )
        with self._lock:
            self.store.users[username] = user
        return user

    def load_liveboard(
        self, source: Path | str | dict, org_id: int = 0, owner: str | None = None
    ) -> str:
        """Store a liveboard as it is; returns its GUID (made up when absent).

        Views without a view_guid get one, as every view on a cluster has one.
        """
        document = tml_document.read_source(source)
        guid = document.get("guid")
        if not isinstance(guid, str) or not guid:
            guid = document["guid"] = str(uuid.uuid4())
        for view in tml_document.views(document):
            if isinstance(view, dict) and not view.get("view_guid"):
                view["view_guid"] = str(uuid.uuid4())
        with self._lock:
            self.store.org(org_id)[guid] = Liveboard(guid, org_id, document, owner)
        return guid

    def get_liveboard(self, guid: str, org_id: int = 0) -> dict | None:
        with self._lock:
            liveboard = self.store.org(org_id).get(guid)
            return copy.deepcopy(liveboard.document) if liveboard else None

    def liveboard_guids(self, org_id: int = 0) -> list[str]:
        with self._lock:
            return list(self.store.org(org_id))

    # -- scripted behaviour ------------------------------------------------------

    def fail_next(
        self,
        endpoint: str,
        status: int,
        count: int = 1,
        body: Any = None,
        headers: dict[str, str] | None = None,
        skip: int = 0,
    ) -> None:
        """The next `count` calls to the endpoint get this status (queued in
        order), after `skip` calls have gone through untouched."""
        _check_endpoint(endpoint)
        fault = HttpFault(status, count, body, dict(headers or {}), skip)
        with self._lock:
            self.faults.http.setdefault(endpoint, deque()).append(fault)

    def export_error(
        self,
        guid: str,
        message: str = "Cannot download TML due to lack of access to objects",
        count: int | None = None,
    ) -> None:
        with self._lock:
            self.faults.export_errors[guid] = ItemFault(message, None, count)

    def export_edoc(self, guid: str, mode: str | None) -> None:
        """Export items for this GUID lose their edoc; mode None undoes it."""
        with self._lock:
            if mode is None:
                self.faults.export_edocs.pop(guid, None)
                return
            if mode not in EDOC_MODES:
                raise ValueError(f"mode must be one of {EDOC_MODES}, not {mode!r}")
            self.faults.export_edocs[guid] = mode

    def import_error(
        self,
        guid: str,
        message: str = "Referenced table with name <b>Sales</b> not found.<br/>"
        "Check the model.",
        code: int = CODE_SCRIPTED,
        count: int | None = None,
    ) -> None:
        with self._lock:
            self.faults.import_errors[guid] = ItemFault(message, code, count)

    def import_warning(self, guid: str, message: str) -> None:
        with self._lock:
            self.faults.import_warnings[guid] = message

    def lose_views_on_import(self, count: int = 1) -> None:
        with self._lock:
            self.faults.views_lost_on_import += count

    def set_latency(self, seconds: float, endpoint: str | None = None) -> None:
        """Delay every call (endpoint None) or the calls to one endpoint."""
        if endpoint is not None:
            _check_endpoint(endpoint)
        with self._lock:
            self.faults.latency[endpoint] = seconds

    def expire_tokens(self) -> None:
        with self._lock:
            for token in self.store.tokens.values():
                token.revoked = True

    def clear_faults(self) -> None:
        with self._lock:
            self.faults = Faults()

    # -- what happened -----------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def reset_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def spec_violations(self) -> list[str]:
        with self._lock:
            return list(self._spec_violations)

    @property
    def server_errors(self) -> list[str]:
        """Tracebacks of requests the emulator itself failed on (answered 500)."""
        with self._lock:
            return list(self._server_errors)

    @property
    def user_agents(self) -> set[str]:
        with self._lock:
            return {
                r.headers["User-Agent"]
                for r in self._requests
                if "User-Agent" in r.headers
            }

    @property
    def validates_spec(self) -> bool:
        return self._spec is not None

    # -- running -----------------------------------------------------------------

    def start(self, port: int = 0, bind: str = "127.0.0.1") -> Emulator:
        # `bind` other than loopback is only for GitHub's self-test workflow,
        # where the action's container reaches the runner through its bridge.
        if self._server is not None:
            return self
        self._server = EmulatorHTTPServer(port, self, bind)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # keeps stop() quick
            name="tsemulator",
            daemon=True,
        )
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The emulator is not running; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _check_endpoint(endpoint: str) -> None:
    if endpoint not in ENDPOINTS:
        raise ValueError(f"endpoint must be one of {ENDPOINTS}, not {endpoint!r}")


def _spec_checker(spec_path: Path | str | None) -> SpecChecker | None:
    if spec_path is None:
        default = default_spec_path()
        return load_checker(str(default)) if default.is_file() else None
    path = Path(spec_path)
    if not path.is_file():
        raise FileNotFoundError(f"OpenAPI spec not found: {path}")
    return load_checker(str(path.resolve()))
