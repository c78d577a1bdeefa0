"""Each figure of the bench, measured. Every function returns plain numbers
and raises BenchError when the thing it measures did not work."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench.documents import ROOT, Pair, quote_bare_equals
from bench.merge_path import POLICY, json_floor, our_merge
from bench.timing import paired, runs_for
from sync import tml
from sync.merge import merge


class BenchError(RuntimeError):
    """The bench could not measure a figure."""


def merge_over_json(pair: Pair) -> float:
    """Our JSON path over the bare json module doing the unavoidable part."""
    result = merge(pair.dev, pair.prod, POLICY, target_guid=pair.prod_guid).document
    ours, floor = paired(
        lambda: our_merge(pair.dev_json, pair.prod_json, pair.prod_guid),
        lambda: json_floor(pair.dev_json, pair.prod_json, result),
        runs_for(len(pair.prod_json)),
    )
    return ours / floor


def thoughtspot_tml_over_merge(pair: Pair) -> float:
    """thoughtspot_tml's loads + dumps of prod's YAML over our merge, timed
    in a child process (see bench.thoughtspot_tml_side for why)."""
    runs = max(3, runs_for(len(pair.prod_json)) // 2)  # their side is slow
    with tempfile.TemporaryDirectory(prefix="bench-tstml-") as folder:
        path = Path(folder)
        (path / "dev.json").write_text(pair.dev_json, encoding="utf-8")
        (path / "prod.json").write_text(pair.prod_json, encoding="utf-8")
        (path / "prod.yaml").write_text(pair.prod_yaml, encoding="utf-8")
        (path / "prod_guid").write_text(pair.prod_guid, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, "-m", "bench.thoughtspot_tml_side", folder, str(runs)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise BenchError(f"thoughtspot_tml side failed:\n{done.stderr.strip()}")
    times = json.loads(done.stdout)
    return times["thoughtspot_tml_s"] / times["ours_s"]


def yaml_over_libyaml(pair: Pair) -> float:
    """Our YAML read of prod's export over plain CSafeLoader reading a copy
    with every bare `=` quoted (which it cannot read otherwise)."""
    quoted, count = quote_bare_equals(pair.prod_yaml)
    if count == 0:
        raise BenchError(f"{pair.label}: no bare `=` to quote; the figure would differ")
    if yaml.load(quoted, Loader=yaml.CSafeLoader) != tml.loads(pair.prod_yaml):
        raise BenchError(f"{pair.label}: the two loaders read different documents")
    ours, theirs = paired(
        lambda: tml.loads(pair.prod_yaml),
        lambda: yaml.load(quoted, Loader=yaml.CSafeLoader),
        max(3, runs_for(len(pair.prod_yaml)) // 2),
    )
    return ours / theirs


def cold_start_s(runs: int = 7) -> float:
    """`entrypoint.py --help` in a fresh process, as the image runs it: the
    code copied without bytecode, and none written (PYTHONDONTWRITEBYTECODE)."""
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as folder:
        action = Path(folder)
        shutil.copytree(
            ROOT / "sync", action / "sync", ignore=shutil.ignore_patterns("__pycache__")
        )
        shutil.copy2(ROOT / "entrypoint.py", action / "entrypoint.py")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        best = float("inf")
        for _ in range(runs):
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, str(action / "entrypoint.py"), "--help"],
                cwd=folder,
                env=env,
                capture_output=True,
                check=False,
            )
            best = min(best, time.perf_counter() - started)
            if done.returncode != 0:
                raise BenchError(f"entrypoint.py --help failed: {done.stderr.decode()}")
    return best


def runtime_deps_mb() -> float:
    """What requirements.txt puts in the image: installed as the Dockerfile
    does (--no-deps, bytecode compiled), measured with du, in MiB."""
    with tempfile.TemporaryDirectory(prefix="bench-deps-") as folder:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--target",
                folder,
                "-r",
                str(ROOT / "requirements.txt"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"pip install --target failed:\n{done.stderr.strip()}")
        du = subprocess.run(
            ["du", "-sk", folder], capture_output=True, text=True, check=True
        )
    return int(du.stdout.split()[0]) / 1024
