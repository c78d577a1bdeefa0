"""Checks request bodies against the official OpenAPI request schemas.

The spec is OpenAPI 3.0: `nullable` is turned into JSON Schema's null type, and
because the spec never sets additionalProperties:false, fields it does not list
are reported separately, so a client cannot send a field ThoughtSpot ignores.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema

BASE_PATH = "/api/rest/2.0"
ENDPOINT_PATHS = {
    "auth": "/auth/token/full",
    "export": "/metadata/tml/export",
    "import": "/metadata/tml/import",
    "search": "/metadata/search",
}
_REF_PREFIX = "#/components/schemas/"
# Keys whose values are data, not schemas, so no conversion may touch them.
_DATA_KEYS = {"default", "enum", "example", "examples"}


def default_spec_path() -> Path:
    """repo_root/../shared/thoughtspot-openapi-26.8.json, beside the checkout."""
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / "shared" / "thoughtspot-openapi-26.8.json"


class SpecChecker:
    def __init__(self, spec: dict) -> None:
        components = spec["components"]["schemas"]
        self._refs: dict[str, str] = {}
        for endpoint, path in ENDPOINT_PATHS.items():
            request = spec["paths"][BASE_PATH + path]["post"]["requestBody"]
            self._refs[endpoint] = request["content"]["application/json"]["schema"][
                "$ref"
            ]
        wanted = _reachable(components, [r for r in self._refs.values()])
        self._schemas = {
            name: _openapi_to_jsonschema(components[name]) for name in wanted
        }
        root = {"components": {"schemas": self._schemas}}
        self._validators = {
            endpoint: jsonschema.Draft4Validator({"$ref": ref, **root})
            for endpoint, ref in self._refs.items()
        }

    def check(self, endpoint: str, body: Any) -> list[str]:
        """Readable reasons why this body breaks the endpoint's request schema."""
        reasons = []
        for error in self._validators[endpoint].iter_errors(body):
            reasons.append(f"{_where(error.absolute_path)}: {error.message}")
        schema = {"$ref": self._refs[endpoint]}
        reasons.extend(self._unknown_fields(body, schema, []))
        return reasons

    def _deref(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self._schemas[schema["$ref"].removeprefix(_REF_PREFIX)]
        return schema

    def _unknown_fields(self, value: Any, schema: dict, where: list) -> list[str]:
        known: dict[str, dict] = {}
        items: list[dict] = []
        closed = self._gather(schema, known, items)
        reasons = []
        if isinstance(value, dict) and closed:
            for key, child in value.items():
                if key not in known:
                    reasons.append(
                        f"{_where([*where, key])}: field {key!r} is not in the spec"
                    )
                elif child is not None:
                    reasons.extend(
                        self._unknown_fields(child, known[key], [*where, key])
                    )
        elif isinstance(value, list):
            for index, child in enumerate(value):
                for item_schema in items:
                    reasons.extend(
                        self._unknown_fields(child, item_schema, [*where, index])
                    )
        return reasons

    def _gather(self, schema: dict, known: dict, items: list) -> bool:
        """Collect listed properties through $ref and combinators; True if closed."""
        schema = self._deref(schema)
        closed = "properties" in schema and not schema.get("additionalProperties")
        known.update(schema.get("properties", {}))
        if "items" in schema:
            items.append(schema["items"])
        for combinator in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(combinator, []):
                closed = self._gather(branch, known, items) or closed
        return closed


def _where(path: Any) -> str:
    parts = [str(p) for p in path]
    return "/" + "/".join(parts) if parts else "(body)"


def _reachable(components: dict, refs: list[str]) -> set[str]:
    seen: set[str] = set()
    pending = [r.removeprefix(_REF_PREFIX) for r in refs]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(_refs_in(components[name]))
    return seen


def _refs_in(node: Any) -> list[str]:
    if isinstance(node, list):
        return [ref for child in node for ref in _refs_in(child)]
    if not isinstance(node, dict):
        return []
    found = []
    for key, child in node.items():
        if key == "$ref" and isinstance(child, str):
            found.append(child.removeprefix(_REF_PREFIX))
        elif key == "properties" and isinstance(child, dict):
            found.extend(ref for sub in child.values() for ref in _refs_in(sub))
        elif key not in _DATA_KEYS:
            found.extend(_refs_in(child))
    return found


def _openapi_to_jsonschema(node: Any) -> Any:
    """Turn OpenAPI `nullable: true` into JSON Schema's null type."""
    if isinstance(node, list):
        return [_openapi_to_jsonschema(child) for child in node]
    if not isinstance(node, dict):
        return node
    converted: dict[str, Any] = {}
    for key, child in node.items():
        if key == "properties" and isinstance(child, dict):
            converted[key] = {n: _openapi_to_jsonschema(s) for n, s in child.items()}
        elif key in _DATA_KEYS:
            converted[key] = child
        else:
            converted[key] = _openapi_to_jsonschema(child)
    if converted.get("nullable") is not True:
        return converted
    del converted["nullable"]
    if isinstance(converted.get("type"), str):
        # Widening the type keeps jsonschema's messages short and readable.
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


@functools.lru_cache(maxsize=4)
def load_checker(path: str) -> SpecChecker:
    """One parsed checker per spec file; the 1.4 MB spec is read once per run."""
    with open(path, encoding="utf-8") as handle:
        return SpecChecker(json.load(handle))
