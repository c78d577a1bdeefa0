"""Failures a test scripts ahead of time, consumed as requests arrive."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass
class HttpFault:
    status: int
    remaining: int
    body: Any
    headers: dict[str, str]
    # Calls let through before the fault starts (to fail, say, only the
    # verification export that follows an import).
    skip: int = 0


@dataclass
class ItemFault:
    """A per-object failure; `remaining` None means it never runs out."""

    message: str
    code: int | None = None
    remaining: int | None = None

    def take(self) -> bool:
        if self.remaining is None:
            return True
        if self.remaining <= 0:
            return False
        self.remaining -= 1
        return True


@dataclass
class Faults:
    http: dict[str, deque[HttpFault]] = field(default_factory=dict)
    export_errors: dict[str, ItemFault] = field(default_factory=dict)
    export_edocs: dict[str, str] = field(default_factory=dict)
    import_errors: dict[str, ItemFault] = field(default_factory=dict)
    import_warnings: dict[str, str] = field(default_factory=dict)
    views_lost_on_import: int = 0
    latency: dict[str | None, float] = field(default_factory=dict)

    def take_http(self, endpoint: str) -> HttpFault | None:
        queue = self.http.get(endpoint)
        if not queue:
            return None
        fault = queue[0]
        if fault.skip > 0:
            fault.skip -= 1
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    def latency_for(self, endpoint: str | None) -> float:
        if endpoint in self.latency:
            return self.latency[endpoint]
        return self.latency.get(None, 0.0)

    @staticmethod
    def take_item(table: dict[str, ItemFault], guid: str) -> ItemFault | None:
        fault = table.get(guid)
        if fault is None or not fault.take():
            return None
        return fault
