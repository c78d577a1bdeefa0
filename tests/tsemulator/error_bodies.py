"""Error responses in the two shapes ThoughtSpot clusters are known to send."""

from __future__ import annotations

import json
import uuid

ERROR_SHAPES = ("spec", "live")

# Codes the API digest names; the rest are the emulator's own picks.
INVALID_REQUEST = 10002
BAD_CREDENTIALS = 10097
TRUSTED_AUTH_DISABLED = 10023
INVALID_TOKEN = 10000
GENERIC = 10001

_DEFAULT_FOR_STATUS = {
    400: (INVALID_REQUEST, "Invalid request."),
    401: (INVALID_TOKEN, "Token is expired or invalid."),
    403: (GENERIC, "Forbidden access."),
    404: (GENERIC, "Resource not found."),
    429: (GENERIC, "Too many requests. Rate limit exceeded."),
    500: (GENERIC, "Unexpected error."),
    502: (GENERIC, "Bad gateway."),
    503: (GENERIC, "Service unavailable."),
    504: (GENERIC, "Gateway timeout."),
}


class ApiError(Exception):
    """Raised by an endpoint to answer with an HTTP error in the current shape."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def default_error(status: int) -> tuple[int, str]:
    """A plausible code and message for an injected failure of this status."""
    return _DEFAULT_FOR_STATUS.get(status, (GENERIC, f"HTTP {status}."))


def error_body(shape: str, code: int, message: str) -> dict:
    incident = str(uuid.uuid4())
    if shape == "live":
        # Live clusters nest one level deeper and encode the text as a JSON array.
        encoded = json.dumps([message, ""], separators=(",", ":"))
        return {
            "error": {
                "message": {
                    "debug": {
                        "code": code,
                        "incident_id_guid": incident,
                        "debug": encoded,
                    }
                }
            }
        }
    return {
        "error": {
            "message": {
                "code": code,
                "incident_id_guid": incident,
                "trace_id_guid": str(uuid.uuid4()),
                "debug": message,
            }
        }
    }
