#!/usr/bin/env python3
"""Container entry point of the thoughtspot-view-sync action; also runs locally.

GitHub's runner starts it with the workspace as the working directory and the
inputs as INPUT_<NAME> variables. It must find the `sync` package beside it,
whatever the working directory is.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync.__main__ import run

if __name__ == "__main__":
    run()
