"""Mapping dev GUIDs to prod GUIDs, for dev and prod on other clusters or Orgs.

Three file formats are read, all JSON:
- ThoughtSpot's Git integration: ``[{"originalGuid": dev, "mappedGuid": prod, ...}]``
- cs_tools: ``{"mapping": {dev: prod}}``
- a plain object: ``{dev: prod}``

Applied as ThoughtSpot's Git integration applies its own, as a find and
replace of each GUID, but only of whole GUIDs (a key that is a word, say
"Sales", would rewrite names, columns and search queries) and everywhere in
the dev document but its ``views`` (views come from prod, with prod's GUIDs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sync import tml

_HEX = "[0-9a-fA-F]"
_GUID_TEXT = f"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
GUID = re.compile(f"^{_GUID_TEXT}$")
# A GUID standing alone: not part of a longer run of letters, digits or dashes.
_ANY_GUID = re.compile(f"(?<![0-9A-Za-z-]){_GUID_TEXT}(?![0-9A-Za-z-])")


class MappingError(ValueError):
    """The mapping file is missing or not one of the known formats."""


def read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read it: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise MappingError(f"not valid JSON: {exc}") from None
    return parse(data)


def parse(data: Any) -> dict[str, str]:
    if isinstance(data, list):
        pairs = []
        for i, item in enumerate(data):
            if not isinstance(item, dict) or "originalGuid" not in item:
                raise MappingError(
                    f"item {i} has no 'originalGuid' (expected ThoughtSpot's "
                    "Git-integration format)"
                )
            pairs.append((item.get("originalGuid"), item.get("mappedGuid")))
    elif isinstance(data, dict) and isinstance(data.get("mapping"), dict):
        pairs = list(data["mapping"].items())
    elif isinstance(data, dict):
        pairs = list(data.items())
    else:
        raise MappingError("expected a JSON array or object")
    mapping: dict[str, str] = {}
    for dev, prod in pairs:
        for value in (dev, prod):
            if not isinstance(value, str) or not GUID.match(value):
                raise MappingError(
                    f"entry {dev!r} -> {prod!r}: both sides must be GUIDs"
                )
        mapping[dev.lower()] = prod.lower()
    return mapping


def apply(document: dict[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """A copy of `document` with every mapped GUID replaced, but in `views`."""
    changes = {k: v for k, v in mapping.items() if k != v}
    if not changes:
        return document
    key = tml.body_key(document)
    body = dict(document[key])
    views = body.pop("views", None)
    text = json.dumps({**document, key: body}, ensure_ascii=False)

    def swap(match: re.Match[str]) -> str:
        found = match.group(0)
        return changes.get(found.lower(), found)

    mapped = json.loads(_ANY_GUID.sub(swap, text))
    if views is not None:
        # Back in its place: key order is kept as dev had it.
        mapped_body = mapped[key]
        mapped[key] = {
            k: views if k == "views" else mapped_body[k] for k in document[key]
        }
    return mapped


def data_source_guids(document: dict[str, Any]) -> Iterator[str]:
    """The ``fqn`` references (tables, models, worksheets) of a document."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "fqn" and isinstance(v, str) and v:
                    yield v.lower()
                elif k != "views":
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
