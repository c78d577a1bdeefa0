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
from typing import Any

import yaml

BODY_KEYS = ("liveboard", "pinboard")

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TmlError(ValueError):
    """The text is not a liveboard TML document."""


class _TmlLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that accepts ThoughtSpot's bare ``=`` scalars."""


def _construct_value_tag(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_TmlLoader.add_constructor("tag:yaml.org,2002:value", _construct_value_tag)


def loads(text: str) -> dict[str, Any]:
    """Parse TML text, JSON or YAML, into a document (a dict)."""
    if not text or not text.strip():
        raise TmlError("the TML is empty")
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            doc = json.loads(text)
        else:
            doc = yaml.load(text, Loader=_TmlLoader)  # a safe loader
    except (ValueError, yaml.YAMLError) as exc:
        raise TmlError(f"the TML cannot be parsed: {_first_line(exc)}") from None
    if not isinstance(doc, dict):
        raise TmlError("the TML is not a mapping of keys to values")
    return doc


def dumps(doc: dict[str, Any]) -> str:
    """Serialise a document as compact JSON for import."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


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
