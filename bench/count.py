#!/usr/bin/env python3
"""Counts the templates and resources in a synthesis output directory.

usage: count.py DIR   ->  prints "TEMPLATES RESOURCES"  (`*.template.json` files directly
in DIR, and the sum of the sizes of their `Resources` maps)
"""

import json
import pathlib
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    templates = sorted(pathlib.Path(argv[1]).glob("*.template.json"))
    resources = 0
    for path in templates:
        try:
            body = json.loads(path.read_text())
        except (OSError, ValueError) as err:
            print(f"count.py: {path}: {err}", file=sys.stderr)
            return 1
        resources += len(body.get("Resources") or {})
    print(len(templates), resources)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
