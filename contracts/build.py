#!/usr/bin/env python3
"""Compile contracts/src/*.vy with the pinned Vyper into contracts/abi/<Name>.json.

Each artifact: {"contractName", "compiler", "abi", "bytecode", "deployedBytecode"} (+ "blueprintBytecode"
for Wallet, which WalletFactory deploys from an EIP-5202 blueprint). Usage: python contracts/build.py [--check]
--check: fail (exit 1) if a committed artifact differs from a fresh compile.
"""
import concurrent.futures
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(ROOT, "src")
OUT = os.path.join(ROOT, "abi")
PINNED = "0.4.3"
BLUEPRINTS = {"Wallet"}


def vyper_bin():
    cand = os.path.join(os.path.dirname(sys.executable), "vyper")
    return cand if os.path.exists(cand) else "vyper"


def compile_one(name):
    fmts = "abi,bytecode,bytecode_runtime" + (",blueprint_bytecode" if name in BLUEPRINTS else "")
    out = subprocess.run([vyper_bin(), "-f", fmts, "-p", SRC, os.path.join(SRC, name + ".vy")],
                         capture_output=True, text=True, cwd=SRC)
    if out.returncode != 0:
        raise RuntimeError(f"{name}: {out.stderr}")
    lines = out.stdout.strip().splitlines()
    art = {"contractName": name, "compiler": f"vyper {PINNED}", "abi": json.loads(lines[0]),
           "bytecode": lines[1], "deployedBytecode": lines[2]}
    if name in BLUEPRINTS:
        art["blueprintBytecode"] = lines[3]
    return name, art


def main():
    import vyper
    if not vyper.__version__.startswith(PINNED):
        sys.exit(f"vyper {PINNED} required, found {vyper.__version__}")
    check = "--check" in sys.argv
    names = sorted(f[:-3] for f in os.listdir(SRC) if f.endswith(".vy"))
    os.makedirs(OUT, exist_ok=True)
    bad = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        for name, art in ex.map(compile_one, names):
            path = os.path.join(OUT, name + ".json")
            text = json.dumps(art, indent=1) + "\n"
            if check:
                if not os.path.exists(path) or open(path).read() != text:
                    bad.append(name)
                continue
            with open(path, "w") as f:
                f.write(text)
            print(f"built {name}: {len(art['deployedBytecode']) // 2 - 1} bytes runtime")
    if bad:
        sys.exit(f"stale artifacts (run python contracts/build.py): {bad}")


if __name__ == "__main__":
    main()
