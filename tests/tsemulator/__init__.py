"""A ThoughtSpot REST API v2 emulator for tests; shares no code with `sync/`."""

from .emulator import Emulator
from .recording import RecordedRequest

__all__ = ["Emulator", "RecordedRequest"]
