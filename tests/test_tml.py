"""Reading TML: JSON, and ThoughtSpot's YAML read without YAML 1.1 surprises."""

from __future__ import annotations

import pytest

from sync import tml


def test_values_keep_their_text() -> None:
    doc = tml.loads(
        "liveboard:\n  filters:\n  - oper: =\n    values:\n"
        "    - 0123\n    - Yes\n    - 1:30\n    - 2024-01-31\n    - .inf\n    - on\n"
        "  x: 0\n  height: 6\n  ratio: 1.5\n  flag: true\n  empty:\n"
    )
    body = doc["liveboard"]
    assert body["filters"][0] == {
        "oper": "=",
        "values": ["0123", "Yes", "1:30", "2024-01-31", ".inf", "on"],
    }
    assert (body["x"], body["height"], body["ratio"], body["flag"]) == (0, 6, 1.5, True)
    assert body["empty"] is None
    assert tml.loads(tml.dumps(doc)) == doc  # survives the JSON sent to ThoughtSpot


def test_aliases_refused() -> None:
    with pytest.raises(tml.TmlError, match="anchors and aliases"):
        tml.loads("liveboard:\n  a: &x [1, 2]\n  b: [*x, *x]\n")


@pytest.mark.parametrize("text", ["", "   ", "[1, 2]", "{not json", "a: [unclosed"])
def test_not_a_document(text: str) -> None:
    with pytest.raises(tml.TmlError):
        tml.loads(text)


def test_json_constants_refused() -> None:
    with pytest.raises(tml.TmlError):
        tml.loads('{"liveboard": {"x": NaN}}')
    with pytest.raises(ValueError):
        tml.dumps({"x": float("inf")})


def test_body_key_and_views() -> None:
    assert tml.body_key({"pinboard": {}}) == "pinboard"
    assert tml.views({"liveboard": {"views": None}}) == []
    with pytest.raises(tml.TmlError, match="no 'liveboard:'"):
        tml.body_key({"answer": {}})
