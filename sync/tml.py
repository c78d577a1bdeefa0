"""Reading and writing liveboard TML text.

ThoughtSpot hands out TML as JSON (keys sorted) or as YAML 1.1 in which the
filter operator is written as a bare ``oper: =``. PyYAML's safe loader maps a
bare ``=`` to the YAML 1.1 "value" tag and then refuses to build it, so the
loader here reads that tag as the plain string ``=``.

We only ever *write* JSON: ThoughtSpot's import accepts it, and JSON has none
of YAML 1.1's surprises (``on``/``off``/``yes``/``no``, dates, octal numbers).
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

BODY_KEYS = ("liveboard", "pinboard")

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TmlError(ValueError):
    """The text is not a liveboard TML document."""


class _TmlLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe loader with YAML 1.2-like, JSON-safe typing.

    YAML 1.1 would turn a filter value `0123` into 83, `Yes` into true, `1:30`
    into 90 and `2024-01-31` into a date, and a bare `=` into a tag nobody
    can build. Here only true/false, null, plain decimal integers and plain
    decimal floats get a type; everything else, `=` included, stays text, as
    ThoughtSpot meant it.
    """


_TmlLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("tag:yaml.org,2002:int", r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$",
        "-+.0123456789",
    ),
):
    _TmlLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
# An empty scalar is null (its resolver is keyed on no first character).
_TmlLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


def _no_shared_nodes(doc: Any) -> None:
    """Refuse YAML anchors and aliases: TML never uses them, and a few nested
    aliases can stand for gigabytes once written out as JSON."""
    seen: set[int] = set()
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict | list):
            if id(node) in seen:
                raise TmlError("YAML anchors and aliases (&, *) are not allowed in TML")
            seen.add(id(node))
            stack.extend(node.values() if isinstance(node, dict) else node)


def loads(text: str) -> dict[str, Any]:
    """Parse TML text, JSON or YAML, into a document (a dict)."""
    if not text or not text.strip():
        raise TmlError("the TML is empty")
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            doc = json.loads(text, parse_constant=_no_constant)
        else:
            doc = yaml.load(text, Loader=_TmlLoader)  # a safe loader
            _no_shared_nodes(doc)
    except (ValueError, yaml.YAMLError) as exc:
        raise TmlError(f"the TML cannot be parsed: {_first_line(exc)}") from None
    if not isinstance(doc, dict):
        raise TmlError("the TML is not a mapping of keys to values")
    return doc


def loads_liveboard(text: str) -> dict[str, Any]:
    """Parse TML text that must be a liveboard (or an older pinboard)."""
    doc = loads(text)
    body_key(doc)
    return doc


def dumps(doc: dict[str, Any]) -> str:
    """Serialise a document as compact JSON for import."""
    # ASCII escapes: faster to write, and requests escapes the import body
    # that carries this text again anyway.
    return json.dumps(doc, separators=(",", ":"), allow_nan=False)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def body_key(doc: dict[str, Any]) -> str:
    """Which top-level key holds the liveboard body: ``liveboard`` or ``pinboard``."""
    for key in BODY_KEYS:
        if isinstance(doc.get(key), dict):
            return key
    raise TmlError("the TML has no 'liveboard:' (or older 'pinboard:') section")


def body(doc: dict[str, Any]) -> dict[str, Any]:
    return doc[body_key(doc)]


def views(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The personalized views of a document; an absent ``views`` key is none."""
    found = body(doc).get("views") or []
    if not isinstance(found, list):
        raise TmlError("the liveboard's 'views' is not a list")
    return [v for v in found if isinstance(v, dict)]


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
