"""The HTTP side: routing, recording, spec checks, injected faults, bearer check."""

from __future__ import annotations

import json
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from .auth_endpoint import authenticate, issue_token
from .error_bodies import GENERIC, INVALID_REQUEST, ApiError, default_error, error_body
from .export_endpoint import export_tml
from .faults import HttpFault
from .import_endpoint import import_tml
from .recording import Headers, RecordedRequest
from .search_endpoint import search_metadata
from .spec_check import BASE_PATH, ENDPOINT_PATHS

if TYPE_CHECKING:
    from .emulator import Emulator

ROUTES = {BASE_PATH + path: endpoint for endpoint, path in ENDPOINT_PATHS.items()}
_HANDLERS = {"export": export_tml, "import": import_tml, "search": search_metadata}


@dataclass
class Reply:
    status: int
    payload: Any  # JSON-able, or a str sent as it is
    headers: dict[str, str] = field(default_factory=dict)

    def encode(self) -> tuple[bytes, str]:
        if isinstance(self.payload, str):
            kind = (
                "text/html" if self.payload.lstrip().startswith("<") else "text/plain"
            )
            return self.payload.encode("utf-8"), f"{kind}; charset=utf-8"
        return json.dumps(self.payload).encode("utf-8"), "application/json"


def serve(
    emu: Emulator, method: str, target: str, headers: Headers, raw: bytes
) -> Reply:
    path = target.split("?", 1)[0].split("#", 1)[0]
    endpoint = ROUTES.get(path)
    body, problem = _parse_body(raw)
    record = RecordedRequest(method, path, endpoint, headers, body)
    with emu._lock:
        emu._requests.append(record)
        delay = emu.faults.latency_for(endpoint)
    if delay > 0:
        time.sleep(delay)  # outside the lock, so slow calls do not serialise others
    with emu._lock:
        reply = _answer(emu, record, problem)
        # Set before the reply leaves, so a test reading it afterwards never races.
        record.status = reply.status
        record.response = reply.payload
    return reply


def _parse_body(raw: bytes) -> tuple[Any, str | None]:
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return None, "the request has no JSON body"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return text, f"the body is not valid JSON ({exc})"


def _answer(emu: Emulator, record: RecordedRequest, problem: str | None) -> Reply:
    try:
        if record.endpoint is None:
            raise ApiError(404, GENERIC, f"No such endpoint: {record.path}")
        if record.method != "POST":
            raise ApiError(405, GENERIC, f"{record.method} is not allowed; use POST.")
        record.violations = _violations(emu, record, problem)
        emu._spec_violations.extend(
            f"{record.method} {record.path}: {reason}" for reason in record.violations
        )
        fault = emu.faults.take_http(record.endpoint)
        if fault is not None:
            return _fault_reply(emu, fault)
        if record.endpoint == "auth":
            if record.violations:
                raise ApiError(400, INVALID_REQUEST, record.violations[0])
            return Reply(200, issue_token(emu, record.body))
        # A real cluster checks the bearer before it looks at the body.
        caller = authenticate(emu, record.headers)
        if record.violations:
            raise ApiError(400, INVALID_REQUEST, record.violations[0])
        return Reply(200, _HANDLERS[record.endpoint](emu, caller, record.body))
    except ApiError as exc:
        return Reply(exc.status, error_body(emu.error_shape, exc.code, exc.message))
    except Exception:
        emu._server_errors.append(traceback.format_exc())
        return Reply(500, error_body(emu.error_shape, GENERIC, "Emulator failure."))


def _violations(
    emu: Emulator, record: RecordedRequest, problem: str | None
) -> list[str]:
    content_type = record.headers.get("Content-Type") or ""
    reasons = []
    if not content_type.lower().startswith("application/json"):
        reasons.append(f"Content-Type is {content_type!r}, not application/json")
    if problem is not None:
        return [*reasons, problem]
    if not isinstance(record.body, dict):
        return [*reasons, "the body is not a JSON object"]
    if emu._spec is not None:
        reasons.extend(emu._spec.check(record.endpoint, record.body))
    return reasons


def _fault_reply(emu: Emulator, fault: HttpFault) -> Reply:
    payload = fault.body
    if payload is None:
        code, message = default_error(fault.status)
        payload = error_body(emu.error_shape, code, message)
    return Reply(fault.status, payload, dict(fault.headers))


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorHTTPServer
    server_version = "ThoughtSpotEmulator/1.0"
    timeout = 30  # a stuck client must not pin a thread for ever

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        headers = Headers(self.headers.items())
        # http.server folds a leading "//" into "/"; the raw request line keeps it,
        # so a client that doubles the slash after the host gets a 404 as it would.
        parts = self.requestline.split()
        target = parts[1] if len(parts) >= 2 else self.path
        reply = serve(self.server.emulator, self.command, target, headers, raw)
        data, content_type = reply.encode()
        self.send_response(reply.status)
        if not any(name.lower() == "content-type" for name in reply.headers):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass  # tests read emu.requests; an access log would only be noise


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, emulator: Emulator, bind: str = "127.0.0.1") -> None:
        self.emulator = emulator
        super().__init__((bind, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client hanging up mid-reply is not the emulator's failure
