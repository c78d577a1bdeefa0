"""Mapping dev GUIDs to prod GUIDs, for dev and prod on other clusters or Orgs.

Three file formats are read, all JSON:
- ThoughtSpot's Git integration: ``[{"originalGuid": dev, "mappedGuid": prod, ...}]``
- cs_tools: ``{"mapping": {dev: prod}}``
- a plain object: ``{dev: prod}``

Applied as ThoughtSpot's Git integration applies its own: an exact find and
replace of each GUID, here everywhere in the dev document but its ``views``
(views come from prod and already hold prod's GUIDs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sync import tml


class MappingError(ValueError):
    """The mapping file is missing or not one of the known formats."""


def read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read it: {exc.strerror or exc}") from None
    except ValueError as exc:
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
        if not isinstance(dev, str) or not isinstance(prod, str) or not dev or not prod:
            raise MappingError(f"entry {dev!r}: both GUIDs must be non-empty text")
        mapping[dev] = prod
    return mapping


def apply(document: dict[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """A copy of `document` with every mapped GUID replaced, but in `views`."""
    identity = {k: v for k, v in mapping.items() if k != v}
    if not identity:
        return document
    pattern = re.compile(
        "|".join(re.escape(k) for k in sorted(identity, key=len, reverse=True))
    )
    key = tml.body_key(document)
    body = dict(document[key])
    views = body.pop("views", None)
    text = json.dumps({**document, key: body}, ensure_ascii=False)
    mapped = json.loads(pattern.sub(lambda m: identity[m.group(0)], text))
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
                    yield v
                elif k != "views":
                    stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)
