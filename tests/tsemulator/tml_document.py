"""Liveboard TML documents as the emulator stores them: plain dicts.

Reading accepts JSON or ThoughtSpot YAML, under `liveboard:` or the older
`pinboard:`; writing produces the two edoc styles the export endpoint returns.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from .tml_yaml import dump_yaml, load_yaml

BODY_KEYS = ("liveboard", "pinboard")

# Schema order of a YAML export; keys not listed keep their stored order after these.
_TOP_ORDER = ("guid", "obj_id", "liveboard", "pinboard")
_BODY_ORDER = (
    "name",
    "description",
    "tables",
    "visualizations",
    "groups",
    "filters",
    "layout",
    "parameters",
    "parameter_overrides",
    "ordered_chips",
    "views",
    "style",
)
_VIEW_ORDER = (
    "view_guid",
    "obj_id",
    "name",
    "view_filters",
    "is_public",
    "view_parameters",
    "author",
)


class TmlError(ValueError):
    """The text is not a liveboard TML document."""


def parse_tml(text: str) -> Any:
    """Parse TML text, JSON first when it looks like JSON, else YAML."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            pass  # YAML flow style also starts with a brace
    try:
        return load_yaml(text)
    except Exception as exc:  # yaml raises several unrelated classes
        raise TmlError(f"Unable to parse TML: {exc}") from exc


def body_key(document: Any) -> str | None:
    """The top-level key holding the liveboard body, or None."""
    if not isinstance(document, dict):
        return None
    for key in BODY_KEYS:
        if isinstance(document.get(key), dict):
            return key
    return None


def body(document: dict) -> dict:
    key = body_key(document)
    if key is None:
        raise TmlError("Document has no liveboard or pinboard body")
    return document[key]


def read_source(source: Path | str | dict) -> dict:
    """A stored copy of a TML file, TML text, or an already parsed document."""
    if isinstance(source, dict):
        document: Any = copy.deepcopy(source)
    else:
        if isinstance(source, Path) or _looks_like_path(source):
            text = Path(source).read_text(encoding="utf-8")
        else:
            text = source
        document = parse_tml(text)
    if body_key(document) is None:
        raise TmlError("Not a liveboard TML document (no liveboard: or pinboard:)")
    return document


def _looks_like_path(text: str) -> bool:
    return "\n" not in text and len(text) < 4096 and Path(text).is_file()


def views(document: dict) -> list[dict]:
    found = body(document).get("views")
    return found if isinstance(found, list) else []


def to_json_edoc(document: dict) -> str:
    return json.dumps(document, sort_keys=True)


def to_yaml_edoc(document: dict) -> str:
    text = dump_yaml(_schema_ordered(document))
    # PyYAML closes with "..." after a keep-chomped block; ThoughtSpot never does.
    return text.removesuffix("...\n")


def _schema_ordered(document: dict) -> dict:
    top = _reorder(document, _TOP_ORDER)
    for key in BODY_KEYS:
        if isinstance(top.get(key), dict):
            lb = _reorder(top[key], _BODY_ORDER)
            if isinstance(lb.get("views"), list):
                lb["views"] = [
                    _reorder(v, _VIEW_ORDER) if isinstance(v, dict) else v
                    for v in lb["views"]
                ]
            top[key] = lb
    return top


def _reorder(mapping: dict, order: tuple[str, ...]) -> dict:
    ordered = {key: mapping[key] for key in order if key in mapping}
    ordered.update((k, v) for k, v in mapping.items() if k not in ordered)
    return ordered
