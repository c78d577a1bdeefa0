"""What the emulator remembers of each request, for tests to assert on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Headers(dict):
    """A plain dict of the request headers that also looks names up in any case."""

    def _key(self, name: object) -> object:
        if isinstance(name, str):
            for key in self.keys():
                if key.lower() == name.lower():
                    return key
        return name

    def __getitem__(self, name: object) -> Any:
        return super().__getitem__(self._key(name))

    def __contains__(self, name: object) -> bool:
        return super().__contains__(self._key(name))

    def get(self, name: object, default: Any = None) -> Any:
        return super().get(self._key(name), default)


@dataclass
class RecordedRequest:
    method: str
    path: str
    endpoint: str | None  # "auth", "export", "import", "search"; None if unknown
    headers: Headers
    body: Any  # parsed JSON, or the raw text when it is not JSON
    status: int | None = None
    response: Any = None  # parsed JSON sent back, or the raw text
    violations: list[str] = field(default_factory=list)
