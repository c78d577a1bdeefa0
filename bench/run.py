"""Measure every figure, print `name: value` lines, rewrite docs/benchmarks.md.

    python -m bench.run

Exit status 0 whatever the figures are; 1 only when the bench cannot run.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import figures
from bench.documents import ADOPTION_VIEWS, ROOT, Pair, pairs
from bench.figures import BenchError
from bench.promotion import requests_for
from bench.report import GOALS, Figure, write_markdown

DOCS = ROOT / "docs" / "benchmarks.md"
BATCH_SIZES = (1, 10, 100)


def _show(figure: Figure) -> Figure:
    print(figure.line(), flush=True)
    return figure


def per_document(
    name: str, measure: Callable[[Pair], float], docs: list[Pair]
) -> list[Figure]:
    """One figure per document, and the worse of them under the bare name."""
    goal = GOALS[name]
    values = {doc.label: measure(doc) for doc in docs}
    worst = max(values.values()) if goal.at_most is not None else min(values.values())
    return [
        _show(Figure(name, worst, goal)),
        *(_show(Figure(f"{name}.{label}", v, goal)) for label, v in values.items()),
    ]


def request_figures() -> list[Figure]:
    counts = {n: requests_for(n) for n in BATCH_SIZES}
    equal = len(set(counts.values())) == 1
    return [
        _show(
            Figure(
                f"requests_{n}", c, GOALS["requests"], equal, "the same for 1, 10, 100"
            )
        )
        for n, c in counts.items()
    ]


def measure() -> list[Figure]:
    docs = pairs()
    found: list[Figure] = []
    found += per_document("merge_over_json", figures.merge_over_json, docs)
    found += per_document(
        "thoughtspot_tml_over_merge", figures.thoughtspot_tml_over_merge, docs
    )
    found += per_document("yaml_over_libyaml", figures.yaml_over_libyaml, docs)
    found += request_figures()
    found.append(
        _show(Figure("cold_start_s", figures.cold_start_s(), GOALS["cold_start_s"]))
    )
    found.append(
        _show(
            Figure(
                "runtime_deps_mb", figures.runtime_deps_mb(), GOALS["runtime_deps_mb"]
            )
        )
    )
    return found


def main() -> int:
    try:
        found = measure()
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    missed = [f for f in found if not f.met]
    for figure in missed:
        # No colon: only figure lines read as `name: value`.
        print(f"MISSED {figure.name} = {figure.value_text} ({figure.why_missed()})")
    if not missed:
        print("every goal met")
    write_markdown(DOCS, found, ADOPTION_VIEWS)
    print(f"written to {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
