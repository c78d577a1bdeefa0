"""`make demo`: a whole promotion against the bundled ThoughtSpot emulator.

Starts the emulator on 127.0.0.1 with a dev and a prod liveboard (three prod
views, one filtering on a filter dev removed), runs entrypoint.py as GitHub's
runner would, then prints the job summary and the outputs.
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from actionrun import FIXTURES, run_action
from tsemulator import Emulator

DEV_GUID = "aaaaaaaa-0000-4000-8000-000000000001"
PROD_GUID = "bbbbbbbb-0000-4000-8000-000000000002"


def main() -> int:
    secret_key = "demo-" + secrets.token_hex(12)
    emulator = Emulator()
    emulator.add_user("ts.admin", secret_key=secret_key)
    emulator.load_liveboard(FIXTURES / "sales" / "dev.liveboard.tml")
    emulator.load_liveboard(FIXTURES / "sales" / "prod.liveboard.tml")
    with emulator.start(), tempfile.TemporaryDirectory() as scratch:
        print(f"ThoughtSpot emulator listening on {emulator.url}\n")
        run = run_action(
            Path(scratch) / "workspace",
            {
                "host": emulator.url,
                "username": "ts.admin",
                "secret-key": secret_key,
                "dev-liveboard-guid": DEV_GUID,
                "prod-liveboard-guid": PROD_GUID,
            },
        )
        print("---- action log ----")
        print(run.stdout.rstrip())
        if run.stderr.strip():
            print(run.stderr.rstrip())
        print("\n---- job summary ----")
        print(run.summary.rstrip())
        print("\n---- outputs ----")
        for name, value in run.outputs.items():
            if name == "report":
                value = json.dumps(json.loads(value), indent=2)[:1500]
            print(f"{name}: {value}")
        stored = emulator.get_liveboard(PROD_GUID) or {}
        views = [v["name"] for v in stored.get("liveboard", {}).get("views", [])]
        print(f"\nprod liveboard now holds views: {views}")
        print(f"exit code: {run.returncode}")
        return run.returncode


if __name__ == "__main__":
    sys.exit(main())
