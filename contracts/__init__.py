"""Infernet SDK v1.1 contracts in Vyper: sources in src/, compiled artifacts in abi/ (see build.py)."""
import json
import os

ROOT = os.path.dirname(os.path.abspath(__file__))
ABI_DIR = os.path.join(ROOT, "abi")


def artifact(name: str) -> dict:
    """{"contractName", "abi", "bytecode", "deployedBytecode", ...} of a compiled contract."""
    with open(os.path.join(ABI_DIR, name + ".json")) as f:
        return json.load(f)
