"""The goals, the printed lines and docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Goal:
    at_most: float | None = None
    at_least: float | None = None

    def met(self, value: float) -> bool:
        if self.at_most is not None and value > self.at_most:
            return False
        return self.at_least is None or value >= self.at_least

    def __str__(self) -> str:
        return (
            f"≤ {self.at_most:g}"
            if self.at_most is not None
            else f"≥ {self.at_least:g}"
        )

    def miss(self, value: float) -> str:
        """By how much `value` misses, in the goal's own terms."""
        if self.at_most is not None:
            return f"{value / self.at_most:.2f}x the goal of at most {self.at_most:g}"
        assert self.at_least is not None
        return f"{value / self.at_least:.2f}x the goal of at least {self.at_least:g}"


GOALS = {
    "merge_over_json": Goal(at_most=1.5),
    "thoughtspot_tml_over_merge": Goal(at_least=25),
    "yaml_over_libyaml": Goal(at_most=1.2),
    "requests": Goal(at_most=5),
    "cold_start_s": Goal(at_most=0.3),
    "runtime_deps_mb": Goal(at_most=8),
}


@dataclass
class Figure:
    name: str
    value: float
    goal: Goal
    # A goal beyond the number itself, already judged (requests: all equal).
    extra_ok: bool = True
    extra_goal: str = ""

    @property
    def met(self) -> bool:
        return self.goal.met(self.value) and self.extra_ok

    @property
    def goal_text(self) -> str:
        return f"{self.goal}{', ' + self.extra_goal if self.extra_goal else ''}"

    @property
    def value_text(self) -> str:
        return (
            f"{self.value:g}" if float(self.value).is_integer() else f"{self.value:.3f}"
        )

    def why_missed(self) -> str:
        reasons = [] if self.goal.met(self.value) else [self.goal.miss(self.value)]
        if not self.extra_ok:
            reasons.append(f"not {self.extra_goal}")
        return "; ".join(reasons)

    def line(self) -> str:
        return f"{self.name}: {self.value_text}"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


TEMPLATE = """\
# Benchmarks

Written by `make bench` (`bench/run.py`); do not edit by hand. A measurement,
not a test: a missed goal is reported, not failed.

Measured {date} on {cpu}, {cores} cores, Python {python}.

| figure | value | goal | met? |
| --- | --- | --- | --- |
{rows}

## What is measured

Documents: `adoption` is the largest real export,
`shared/tml/thoughtspot-adoption.liveboard.tml` (180 KB, no views of its
own), given {adoption_views} views shaped like the one in
`app-adoption.liveboard.tml`; `generated` is app-adoption's visualizations
repeated to about 5 MB of JSON with 1,000 such views. Each comes as a pair:
prod with the views, dev the same liveboard with another GUID and name, one
liveboard filter fewer (so views that set it are pruned) and 3 views of its
own. Texts are made by the emulator's exporter (JSON with sorted keys, YAML
with bare `oper: =`). A figure without a suffix is the worse of the two
documents.

Every time is the minimum of several runs (`time.perf_counter`, garbage
collected before each run), and both sides of a ratio are timed in turns in
one process.

- `merge_over_json`: `sync.tml.loads` of dev's and prod's JSON,
  `sync.merge.merge` with the default policy, `sync.tml.dumps` of the result;
  over `json.loads` of both texts and a plain `json.dumps` of the result.
- `thoughtspot_tml_over_merge`: thoughtspot_tml's `Liveboard.loads` and
  `dumps()` of prod's YAML (one document, where our side reads two); over
  our merge as above. In a child process, as importing thoughtspot_tml
  changes PyYAML's resolvers for every loader in the process.
- `yaml_over_libyaml`: `sync.tml.loads` of prod's YAML export; over
  `yaml.load(text, Loader=yaml.CSafeLoader)` of a copy in which every bare
  `=` is written `"="` (plain CSafeLoader cannot build a bare `=`); the bench
  checks both read the same document.
- `requests_N`: API requests the emulator received for one run of
  `entrypoint.py` promoting N pairs made from `tests/fixtures/sales/`, given
  as the `liveboards` input.
- `cold_start_s`: `python entrypoint.py --help` in a fresh process, as in the
  image: `sync/` copied without bytecode, `PYTHONDONTWRITEBYTECODE=1`.
- `runtime_deps_mb`: `du` of `pip install --no-deps --target DIR -r
  requirements.txt`, in MiB, bytecode compiled as in the image.
"""


def write_markdown(path: Path, figures: list[Figure], adoption_views: int) -> None:
    rows = "\n".join(
        f"| `{f.name}` | {f.value_text} | {f.goal_text} | {'yes' if f.met else '**no**'} |"
        for f in figures
    )
    text = TEMPLATE.format(
        date=datetime.now(UTC).strftime("%Y-%m-%d"),
        cpu=cpu_model(),
        cores=os.cpu_count(),
        python=platform.python_version(),
        rows=rows,
        adoption_views=adoption_views,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
