"""GUID mapping: the three formats, whole GUIDs only, views left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sync import guidmap
from sync.guidmap import MappingError

DEV_TABLE = "5d1b2c3a-1111-4a2b-9c3d-000000000101"
PROD_TABLE = "0f0f0f0f-2222-4b3c-8d4e-000000000202"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "tml"


def doc() -> dict:
    return {
        "guid": "aaaaaaaa-0000-4000-8000-000000000001",
        "liveboard": {
            "name": "Sales",
            "visualizations": [
                {"answer": {"tables": [{"id": "Sales", "fqn": DEV_TABLE.upper()}]}},
                # a longer token that merely contains the GUID stays as it is
                {"note": f"x{DEV_TABLE}", "other": f"{DEV_TABLE}-suffix"},
            ],
            "views": [{"name": "V", "note": DEV_TABLE}],
            "style": {},
        },
    }


def test_whole_guids_replaced_everywhere_but_in_views() -> None:
    original = doc()
    mapped = guidmap.apply(original, {DEV_TABLE: PROD_TABLE})
    body = mapped["liveboard"]
    assert body["visualizations"][0]["answer"]["tables"][0]["fqn"] == PROD_TABLE
    assert body["visualizations"][1] == original["liveboard"]["visualizations"][1]
    assert body["views"] == [{"name": "V", "note": DEV_TABLE}]
    assert list(body) == list(original["liveboard"])  # key order kept
    assert original == doc(), "the input is not changed"


def test_words_are_never_keys() -> None:
    with pytest.raises(MappingError, match="both sides must be GUIDs"):
        guidmap.parse({"Sales": "Purchases"})
    with pytest.raises(MappingError):
        guidmap.parse({"mapping": {DEV_TABLE: ""}})


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside the checkout")
def test_the_real_git_integration_file() -> None:
    data = json.loads((SHARED / "git-guid-mapping.org.json").read_text())
    mapping = guidmap.parse(data)
    assert len(mapping) == len({e["originalGuid"].lower() for e in data})
    first = data[0]
    assert mapping[first["originalGuid"].lower()] == first["mappedGuid"].lower()


def test_data_sources_found_outside_views() -> None:
    assert list(guidmap.data_source_guids(doc())) == [DEV_TABLE]
