"""Which liveboards a run promotes: dev source and prod target, per pair.

A dev source is a liveboard GUID (exported from dev) or the path of a TML file
in the workspace (teams that keep dev's TML in the repository). The prod side
is always a GUID: it names the liveboard whose views are carried.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sync import tml

GUID = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I
)
# dev then prod: `->`, `:` or white space between them. The prod side is a
# GUID, so a dev path may itself hold spaces.
_LINE = re.compile(
    r"^(?P<dev>.+?)\s*(?:->|:|\s)\s*(?P<prod>[0-9A-Fa-f]{8}-[0-9A-Fa-f-]{27})$"
)


class PairError(ValueError):
    """A dev or prod reference is malformed; the message says which and why."""


@dataclass(frozen=True)
class Pair:
    prod_guid: str
    # Exactly one of these: a dev GUID to export, or a TML file read from the
    # workspace (with its parsed document).
    dev_guid: str | None = None
    dev_path: str | None = None
    dev_document: dict[str, Any] | None = field(default=None, compare=False, repr=False)

    @property
    def dev_label(self) -> str:
        return self.dev_guid or str(self.dev_path)


def guid(text: str) -> str:
    if not GUID.match(text):
        raise PairError(
            f"expected a GUID like 2ed8192a-0000-4b1c-9d2e-0123456789ab, got '{text}'"
        )
    # ThoughtSpot writes GUIDs in lower case and compares them as written.
    return text.lower()


def dev_source(text: str, workspace: Path) -> Pair:
    """A dev reference: a GUID, or else a TML file in the workspace. The
    returned Pair has no prod side yet."""
    if GUID.match(text):
        return Pair(prod_guid="", dev_guid=text.lower())
    if not _looks_like_a_path(text):
        raise PairError(
            f"expected a GUID like 2ed8192a-0000-4b1c-9d2e-0123456789ab or the path "
            f"of a TML file in the workspace, got '{text}'"
        )
    path = Path(text)
    try:
        if path.is_absolute() or ".." in path.parts:
            raise ValueError
        (workspace / path).resolve().relative_to(workspace.resolve())
    except (OSError, ValueError):
        raise PairError(
            f"a dev TML file must be inside the workspace, got '{text}'"
        ) from None
    try:
        content = (workspace / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise PairError(f"cannot read the dev TML file '{text}': {reason}") from None
    try:
        document = tml.loads_liveboard(content)
    except tml.TmlError as exc:
        raise PairError(
            f"the dev TML file '{text}' is not a liveboard: {exc}"
        ) from None
    return Pair(prod_guid="", dev_path=text, dev_document=document)


def _looks_like_a_path(text: str) -> bool:
    return "/" in text or text.lower().endswith((".tml", ".yaml", ".yml", ".json"))


def parse_lines(text: str, workspace: Path) -> list[Pair]:
    """The `liveboards` input: one `dev prod` pair per line."""
    pairs: list[Pair] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # A trailing comment, unless the `#` belongs to a file name: cut one
        # ` # ...` at a time from the end until the line reads as a pair.
        match = _LINE.match(line)
        rest = line
        while match is None and re.search(r"\s#", rest):
            rest = (
                re.sub(r"\s+#[^#]*$", "", rest) if re.search(r"\s#[^#]*$", rest) else ""
            )
            match = _LINE.match(rest.strip())
        line = match.group(0) if match else line
        if not match:
            raise PairError(
                f"line {number}: expected 'dev prod' (a dev GUID or TML file, then "
                f"the prod GUID, separated by a space, '->' or ':'), got '{line}'"
            )
        try:
            dev = dev_source(match["dev"].strip(), workspace)
            prod = guid(match["prod"])
        except PairError as exc:
            raise PairError(f"line {number}: {exc}") from None
        pairs.append(Pair(prod, dev.dev_guid, dev.dev_path, dev.dev_document))
    if not pairs:
        raise PairError("no liveboard pairs in it (only blank lines or comments)")
    return pairs


def check(pairs: list[Pair], same_place: bool = True) -> None:
    """Pairs that cannot be promoted together. When dev is another cluster or
    Org (`same_place` false), one GUID may name a dev and a prod liveboard."""
    seen: set[str] = set()
    devs = {p.dev_guid for p in pairs if p.dev_guid} if same_place else set()
    for pair in pairs:
        if same_place and pair.dev_guid == pair.prod_guid:
            raise PairError(
                f"dev and prod are the same liveboard ({pair.prod_guid}): the prod "
                "liveboard must be a different one"
            )
        if pair.prod_guid in seen:
            raise PairError(f"prod liveboard {pair.prod_guid} is named twice")
        if pair.prod_guid in devs:
            raise PairError(
                f"liveboard {pair.prod_guid} is both a dev source and a prod target"
            )
        seen.add(pair.prod_guid)
