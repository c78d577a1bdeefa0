"""The work a promotion does per liveboard between export and import, and
the floor it is measured against.

Shared by the bench and by its thoughtspot_tml child process, so that both
time exactly the same thing.
"""

from __future__ import annotations

import json
from typing import Any

from sync import tml
from sync.merge import Policy, merge

# The action's defaults: prune stale filters, drop dev-only views, prod's name.
POLICY = Policy()


def our_merge(dev_json: str, prod_json: str, prod_guid: str) -> str:
    """Both exports read, merged, and the import's text written."""
    dev, prod = tml.loads(dev_json), tml.loads(prod_json)
    return tml.dumps(merge(dev, prod, POLICY, target_guid=prod_guid).document)


def json_floor(dev_json: str, prod_json: str, result: dict[str, Any]) -> None:
    """What no merge can do without: both texts parsed, one document of the
    result's size written, with the standard library's defaults."""
    json.loads(dev_json)
    json.loads(prod_json)
    json.dumps(result)
