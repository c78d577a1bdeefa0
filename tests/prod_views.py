"""Check which views a liveboard holds on a (emulated) cluster.

Used by the self-test workflow and the container test after a promotion:
signs in with $SECRET_KEY, exports the liveboard and compares its view names
with the expected ones. Exit 0 when they match, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import requests


def views_of(url: str, username: str, secret_key: str, guid: str) -> list[str]:
    api = url.rstrip("/") + "/api/rest/2.0/"
    token = requests.post(
        api + "auth/token/full",
        json={"username": username, "secret_key": secret_key},
        timeout=30,
    ).json()["token"]
    exported = requests.post(
        api + "metadata/tml/export",
        json={"metadata": [{"identifier": guid}], "edoc_format": "JSON"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    ).json()
    doc = json.loads(exported[0]["edoc"])
    body = doc.get("liveboard") or doc.get("pinboard") or {}
    return [v.get("name") for v in body.get("views") or []]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--guid", required=True)
    parser.add_argument("--expect", action="append", default=[], help="a view name")
    args = parser.parse_args()
    found = views_of(args.url, args.username, os.environ["SECRET_KEY"], args.guid)
    if found != args.expect:
        print(f"views on {args.guid}: {found}; expected {args.expect}")
        return 1
    print(f"views on {args.guid}: {found} (as expected)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
