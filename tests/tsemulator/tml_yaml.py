"""ThoughtSpot's flavour of YAML, read and written without the product's code.

ThoughtSpot writes YAML 1.1 and leaves `=` bare (`oper: =`). PyYAML resolves a bare
`=` to the YAML 1.1 "value" tag, which its safe loader cannot build, so the loader
here reads it as the string "=" and the dumper writes it back bare.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

_VALUE_TAG = "tag:yaml.org,2002:value"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_STR_TAG = "tag:yaml.org,2002:str"

# libyaml is much faster on the 180 KB liveboards; fall back when it is missing.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SafeDumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class TmlLoader(_SafeLoader):
    """Safe loader that reads `=` as text and keeps dates as their text."""


def _scalar_text(loader: Any, node: yaml.ScalarNode) -> str:
    return loader.construct_scalar(node)


TmlLoader.add_constructor(_VALUE_TAG, _scalar_text)
# Stored TML must stay JSON-serialisable, so a date-looking scalar stays a string.
TmlLoader.add_constructor(_TIMESTAMP_TAG, _scalar_text)


class TmlDumper(_SafeDumper):
    """Safe dumper that writes `=` bare and double-quotes the way ThoughtSpot does."""


# Without the "value" resolver a lone `=` counts as a plain string, so it goes out
# unquoted; every other YAML 1.1 look-alike (on, no, null, 12, dates) stays quoted.
TmlDumper.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _VALUE_TAG]
    for first, resolvers in _SafeDumper.yaml_implicit_resolvers.items()
}

# ThoughtSpot double-quotes text holding brackets, braces, quotes or commas
# (expressions, search queries, JSON client state) and the YAML 1.1 booleans y/n
# that PyYAML does not know; multi-line text becomes a literal block.
_NEEDS_QUOTES = re.compile(r"[\[\]{}\"'\\#,\t]|: |^[\s!&*|>%@`?-]|\s$|:$")
_YAML11_YES_NO = {"y", "Y", "n", "N"}


def _represent_str(dumper: Any, text: str) -> yaml.ScalarNode:
    if "\n" in text:
        return dumper.represent_scalar(_STR_TAG, text, style="|")
    looks_typed = dumper.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG
    quoted = (
        text == ""
        or looks_typed
        or text in _YAML11_YES_NO
        or _NEEDS_QUOTES.search(text) is not None
    )
    return dumper.represent_scalar(_STR_TAG, text, style='"' if quoted else None)


TmlDumper.add_representer(str, _represent_str)


def load_yaml(text: str) -> Any:
    """Parse ThoughtSpot TML YAML; raises yaml.YAMLError on bad input."""
    return yaml.load(text, Loader=TmlLoader)


def dump_yaml(document: Any) -> str:
    """Write a document as TML YAML, keeping the document's key order."""
    return yaml.dump(
        document,
        Dumper=TmlDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,
    )
