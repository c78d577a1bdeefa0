"""`make bench`: how fast and how small the action is, against fixed goals.

A measurement, not a test: `python -m bench.run` prints every figure, says
which miss their goal and rewrites docs/benchmarks.md, and fails only when the
bench itself cannot run.
"""

import sys
from pathlib import Path

# The emulator and the runner's stand-in live in tests/, imported as the tests
# import them (pytest's pythonpath): `tests` itself may be shadowed by the
# package of that name that actions-toolkit's wheel installs.
_TESTS = str(Path(__file__).resolve().parents[1] / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
