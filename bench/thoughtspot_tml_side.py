"""Child process: thoughtspot_tml's round trip beside our merge.

Run apart from the bench because importing thoughtspot_tml changes PyYAML for
the whole process (it removes the resolver of the bare `=` from the loaders'
shared table), which would falsify the bench's YAML figure.

    python -m bench.thoughtspot_tml_side FOLDER RUNS

FOLDER holds dev.json, prod.json, prod.yaml and prod_guid; prints one JSON
object with the best time of each side, in seconds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from thoughtspot_tml import Liveboard

from bench.merge_path import our_merge
from bench.timing import paired


def main(folder: Path, runs: int) -> None:
    dev_json = (folder / "dev.json").read_text(encoding="utf-8")
    prod_json = (folder / "prod.json").read_text(encoding="utf-8")
    prod_yaml = (folder / "prod.yaml").read_text(encoding="utf-8")
    prod_guid = (folder / "prod_guid").read_text(encoding="utf-8").strip()

    def theirs() -> None:
        Liveboard.loads(prod_yaml).dumps()

    # A failure here (say a key their schema lacks) must stop the bench,
    # not yield a figure for less work.
    theirs()
    ours_s, theirs_s = paired(
        lambda: our_merge(dev_json, prod_json, prod_guid), theirs, runs
    )
    print(json.dumps({"ours_s": ours_s, "thoughtspot_tml_s": theirs_s}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
