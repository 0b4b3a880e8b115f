"""`--set KEY=JSON` for the benchmarks: overrides a key of a node's config.json before it starts.

Standard library only (the benchmarks import it without a virtual environment).
"""
from __future__ import annotations

import json


def apply(config: dict, items: list[str]) -> None:
    """Sets each `section.key=JSON` in `config`, creating sections; ValueError names a bad item."""
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {item}: expected KEY=JSON, e.g. node.delivery_concurrency=256")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as e:
            raise ValueError(f"--set {item}: the value is not JSON ({e})") from None
        *sections, last = key.split(".")
        target = config
        for section in sections:
            target = target.setdefault(section, {})
        target[last] = parsed
