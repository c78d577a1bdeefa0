"""The liveboards the bench merges: a real export and a generated 5 MB one.

Both come as a dev/prod pair, the way a promotion sees them: prod holds the
users' views, dev is the same liveboard edited (another GUID and name, one
liveboard filter removed so that some views get pruned, a few views of its
own). Texts are made by the emulator's exporter, so JSON has sorted keys and
YAML has ThoughtSpot's bare ``oper: =``, as a cluster sends them.
"""

from __future__ import annotations

import copy
import json
import random
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tsemulator import tml_document

ROOT = Path(__file__).resolve().parents[1]
SHARED_TML = ROOT.parent / "shared" / "tml"
LARGEST_EXPORT = SHARED_TML / "thoughtspot-adoption.liveboard.tml"
VIEW_MODEL = SHARED_TML / "app-adoption.liveboard.tml"

GENERATED_BYTES = 5_000_000
GENERATED_VIEWS = 1_000
ADOPTION_VIEWS = 25
DEV_VIEWS = 3
# Fixed seed and GUID namespace: every run measures the same documents.
SEED = 20261204
_NAMESPACE = uuid.UUID("2f0c6a4e-8d1b-4c7e-9a53-6b1f0e2d7c91")


@dataclass
class Pair:
    """A dev/prod pair and every text of it the figures need."""

    label: str
    dev: dict[str, Any]
    prod: dict[str, Any]
    dev_json: str
    prod_json: str
    dev_yaml: str
    prod_yaml: str

    @property
    def prod_guid(self) -> str:
        return self.prod["guid"]


def load_export(path: Path) -> dict[str, Any]:
    return tml_document.read_source(path)


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(map(str, parts))))


def _view_filter(board_filter: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """What an export writes for one liveboard filter in a view: a value the
    view sets, or the placeholder (`oper: =`, no values) for one it leaves be."""
    # A list of its own: a shared one would come out as a YAML alias.
    column = list(board_filter["column"])
    if "date_filter" in board_filter:
        date = dict(board_filter["date_filter"])
        if date.get("type") == "LAST_N_PERIOD":
            date["number"] = rng.choice((7, 30, 90, 365))
        return {"column": column, "date_filter": date}
    if rng.random() < 0.35:
        values = [
            f"{column[-1]} {rng.randint(1, 40)}" for _ in range(rng.randint(1, 3))
        ]
        return {"column": column, "oper": "in", "values": values}
    return {"column": column, "oper": "="}


def make_views(
    body: dict[str, Any], count: int, rng: random.Random, tag: str
) -> list[dict[str, Any]]:
    """Views shaped like the real one in app-adoption: every liveboard filter
    repeated, parameters, an author; names repeat as users' names do."""
    overrides = body.get("parameter_overrides") or []
    views = []
    for i in range(count):
        view: dict[str, Any] = {
            "view_guid": _guid(tag, "view", i),
            "name": f"{rng.choice(('My', 'Team', 'Weekly', 'Ops', 'Exec'))} view {i % 300}",
            "view_filters": [_view_filter(f, rng) for f in body.get("filters", [])],
            "is_public": rng.random() < 0.3,
            "author": {"username": f"user{rng.randint(1, 150)}"},
        }
        if rng.random() < 0.8:  # clusters before obj_ids for views exported none
            view["obj_id"] = f"{tag}-view-{i:04d}"
        if overrides:
            view["view_parameters"] = [
                {"name": o["value"]["name"], "id": o["key"]} for o in overrides
            ]
        views.append(view)
    return views


def make_dev(prod: dict[str, Any], rng: random.Random, tag: str) -> dict[str, Any]:
    """Prod's liveboard as a developer left it in dev."""
    dev = copy.deepcopy(prod)
    dev["guid"] = _guid(tag, "dev")
    dev.pop("obj_id", None)
    body = dev["liveboard"]
    body["name"] = f"{body['name']} (dev)"
    # The second liveboard filter goes: views that set it are pruned.
    del body["filters"][1]
    body["views"] = make_views(body, DEV_VIEWS, rng, f"{tag}-dev")
    return dev


def adoption_prod(rng: random.Random) -> dict[str, Any]:
    """The largest real export (no views of its own), given users' views."""
    prod = load_export(LARGEST_EXPORT)
    body = prod["liveboard"]
    body["views"] = make_views(body, ADOPTION_VIEWS, rng, "adoption")
    return prod


def generated_prod(rng: random.Random) -> dict[str, Any]:
    """About GENERATED_BYTES of JSON: app-adoption's visualizations repeated
    (new ids, GUIDs and tiles), its filters and parameters, 1,000 views."""
    model = load_export(VIEW_MODEL)
    body = model["liveboard"]
    pieces = body["visualizations"]
    body["views"] = make_views(body, GENERATED_VIEWS, rng, "generated")
    fixed = len(
        tml_document.to_json_edoc(
            {**model, "liveboard": {**body, "visualizations": []}}
        )
    )
    per_round = len(json.dumps(pieces, sort_keys=True))
    rounds = max(1, round((GENERATED_BYTES - fixed) / per_round))
    visualizations, tiles = [], []
    for r in range(rounds):
        for piece in pieces:
            n = len(visualizations) + 1
            viz = copy.deepcopy(piece)
            viz["id"] = f"Viz_{n}"
            viz["viz_guid"] = _guid("generated", "viz", n)
            viz["answer"]["name"] = f"{viz['answer']['name']} ({r + 1})"
            visualizations.append(viz)
            tiles.append(
                {
                    "visualization_id": viz["id"],
                    "x": 0,
                    "y": 6 * n,
                    "height": 6,
                    "width": 6,
                }
            )
    body["visualizations"] = visualizations
    body["layout"] = {"tiles": tiles}
    model["guid"] = _guid("generated", "prod")
    model["obj_id"] = "app-adoption-generated"
    body["name"] = "App adoption (generated)"
    return model


def pair(label: str, prod: dict[str, Any], rng: random.Random) -> Pair:
    dev = make_dev(prod, rng, label)
    return Pair(
        label=label,
        dev=dev,
        prod=prod,
        dev_json=tml_document.to_json_edoc(dev),
        prod_json=tml_document.to_json_edoc(prod),
        dev_yaml=tml_document.to_yaml_edoc(dev),
        prod_yaml=tml_document.to_yaml_edoc(prod),
    )


def pairs() -> list[Pair]:
    rng = random.Random(SEED)
    return [
        pair("adoption", adoption_prod(rng), rng),
        pair("generated", generated_prod(rng), rng),
    ]


_BARE_EQUALS = re.compile(r"^(\s*(?:- )?[^\s:][^:]*:|\s*-) =$", re.MULTILINE)


def quote_bare_equals(yaml_text: str) -> tuple[str, int]:
    """The text with every bare `=` scalar quoted, so that plain CSafeLoader
    (which resolves a bare `=` to a tag it cannot build) reads it; and how
    many were quoted."""
    return _BARE_EQUALS.subn(r'\1 "="', yaml_text)
