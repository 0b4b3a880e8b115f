"""A compiler for the subset of Yul that ezkl's Halo2Verifier.sol uses, so the verifier can be
deployed without solc (none is installable here).

Supported: blocks, `let` (with and without value, multi-value), `:=` (multi-value), `if`,
`switch`/`case`/`default`, `for`, `break`/`continue`/`leave`, non-recursive functions with
parameters and return variables, decimal/hex/bool literals, the EVM builtins in `BUILTINS`,
Solidity `uint256 constant`s (inlined) and the `.offset`/`.length` of calldata `bytes`/`T[]`
parameters of the enclosing Solidity function.

How: every variable (Yul or function parameter/return) lives in its own 32-byte memory slot
above the highest memory address the source itself names, so the EVM stack only ever holds
the expression being evaluated (no stack-too-deep, no DUP/SWAP bookkeeping). Functions are
called by jumping with static slots (safe because recursion is rejected); the return address
is kept in the function's own slot. Large literals used more than once (the field modulus R,
~270 uses) are written to a constant pool in memory once at start-up and read with MLOAD
(4 bytes per use instead of 33), which keeps the verifier under the 24,576-byte code limit.

Argument evaluation is right to left, as Yul specifies.
"""
from __future__ import annotations

import re

from eth_utils import keccak

from .codegen import OP, WORD, Codegen, assemble, literals, max_memory_literal, push_width
from .syntax import Parser, YulError, tokenize

__all__ = ["YulError", "compile_block", "compile_yul", "compile_solidity_verifier", "initcode"]


def compile_block(source: str, constants: dict[str, int] | None = None,
                  members: dict[str, list] | None = None, prologue: list | None = None,
                  memory_base: int | None = None) -> bytes:
    """Runtime bytecode for a Yul block `{ ... }` (the code stops when it falls off the end)."""
    constants = constants or {}
    tree = Parser(tokenize(source)).block()
    if memory_base is None:
        # Above every small literal the code uses (its memory addresses), with room for what it
        # computes from them: ezkl's batch_invert writes a scratch run as long as the range it
        # inverts right after that range, so nothing it touches lies past twice the largest address.
        memory_base = (2 * max_memory_literal(tree, constants) + 0x2000 + 31) // 32 * 32
    gen = Codegen(constants, members or {}, memory_base)
    counts: dict[int, int] = {}
    literals(tree, counts, constants)
    pool_items: list[tuple] = []
    for value, uses in sorted(counts.items()):
        if uses >= 2 and push_width(value % WORD) > 4:
            slot = gen.slot()
            gen.pool[value % WORD] = slot
            pool_items += [("push", value % WORD), ("push", slot), ("op", OP["MSTORE"])]
    gen.items += (prologue or []) + pool_items
    gen.program(tree)
    return assemble(gen.items)


def compile_yul(source: str, memory_base: int | None = None) -> bytes:
    """Runtime bytecode of a plain Yul block (for tests and small helpers)."""
    return compile_block(source, memory_base=memory_base)


# -- ezkl's Halo2Verifier.sol -----------------------------------------------------------------

CONSTANT = re.compile(r"uint256\s+(?:internal\s+|private\s+|public\s+)?constant\s+([A-Za-z_]\w*)\s*=\s*"
                      r"(0x[0-9a-fA-F]+|[0-9]+)\s*;")
FUNCTION = re.compile(r"function\s+(\w+)\s*\(([^)]*)\)[^{]*\{\s*assembly\s*(?:\(\"[^\"]*\"\)\s*)?\{", re.S)


def calldata_members(params: list[tuple[str, str]]) -> dict[str, list]:
    """Items for `<param>.offset` / `.length` of dynamic calldata parameters (standard ABI)."""
    members: dict[str, list] = {}
    for index, (kind, name) in enumerate(params):
        if not (kind == "bytes" or kind.endswith("[]")):
            continue
        head = [("push", 4 + 32 * index), ("op", OP["CALLDATALOAD"]), ("push", 4), ("op", OP["ADD"])]
        members[f"{name}.length"] = head + [("op", OP["CALLDATALOAD"])]
        members[f"{name}.offset"] = head + [("push", 32), ("op", OP["ADD"])]
    return members


def compile_solidity_verifier(solidity: str) -> dict:
    """{"runtime", "initcode", "selector", "signature"} for a contract whose only external
    function's body is one `assembly { ... }` block (ezkl's Halo2Verifier.sol). The runtime
    dispatches on that function's selector and reverts on anything else (and on value)."""
    constants = {m.group(1): int(m.group(2), 0) for m in CONSTANT.finditer(solidity)}
    found = list(FUNCTION.finditer(solidity))
    if len(found) != 1:
        raise YulError(f"expected exactly one function with an assembly body, found {len(found)}")
    match = found[0]
    params = []
    for part in filter(None, (p.strip() for p in match.group(2).split(","))):
        words = part.split()
        params.append((words[0], words[-1]))
    signature = f"{match.group(1)}({','.join(k for k, _ in params)})"
    selector = keccak(text=signature)[:4]
    start = match.end() - 1
    depth, end = 0, start
    for end in range(start, len(solidity)):
        ch = solidity[end]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                break
    body = solidity[start:end + 1]
    OR = 0x17
    # revert(0, 0) when calldatasize < 4, value is sent or the selector is not the function's
    guard = [
        ("push", 4), ("op", OP["CALLDATASIZE"]), ("op", OP["LT"]), ("op", OP["CALLVALUE"]), ("op", OR),
        ("push", 0), ("op", OP["CALLDATALOAD"]), ("push", 224), ("op", OP["SHR"]),
        ("push", int.from_bytes(selector, "big")), ("op", OP["EQ"]), ("op", OP["ISZERO"]), ("op", OR),
        ("op", OP["ISZERO"]), ("pushlabel", 0), ("op", OP["JUMPI"]),
        ("push", 0), ("op", OP["DUP1"]), ("op", OP["REVERT"]), ("label", 0),
    ]
    runtime = compile_block(body, constants, calldata_members(params), prologue=guard)
    if len(runtime) > 24576:
        raise YulError(f"runtime code of {len(runtime)} bytes exceeds the 24,576-byte limit")
    return {"runtime": runtime, "initcode": initcode(runtime), "selector": selector,
            "signature": signature}


def initcode(runtime: bytes) -> bytes:
    """Deploy code: copy the runtime after this 10-byte header to memory and return it."""
    n = len(runtime)
    header = bytes([0x61]) + n.to_bytes(2, "big") + bytes([0x80, 0x60, 10, 0x5F, OP["CODECOPY"], 0x5F,
                                                           OP["RETURN"]])
    assert len(header) == 10
    return header + runtime
