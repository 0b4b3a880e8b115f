"""Code generation for the Yul subset: variables in memory slots, functions called by jumping
with static slots, a constant pool for large literals, and the assembler (see compiler.py)."""
from __future__ import annotations

from dataclasses import dataclass

from .syntax import (Assign, Block, Call, For, Function, Ident, If, Jump, Let, Lit, Switch, YulError,
                     children)

BUILTINS: dict[str, tuple[int, int, int]] = {
    "stop": (0x00, 0, 0), "add": (0x01, 2, 1), "mul": (0x02, 2, 1), "sub": (0x03, 2, 1),
    "div": (0x04, 2, 1), "sdiv": (0x05, 2, 1), "mod": (0x06, 2, 1), "smod": (0x07, 2, 1),
    "addmod": (0x08, 3, 1), "mulmod": (0x09, 3, 1), "exp": (0x0A, 2, 1), "signextend": (0x0B, 2, 1),
    "lt": (0x10, 2, 1), "gt": (0x11, 2, 1), "slt": (0x12, 2, 1), "sgt": (0x13, 2, 1),
    "eq": (0x14, 2, 1), "iszero": (0x15, 1, 1), "and": (0x16, 2, 1), "or": (0x17, 2, 1),
    "xor": (0x18, 2, 1), "not": (0x19, 1, 1), "byte": (0x1A, 2, 1), "shl": (0x1B, 2, 1),
    "shr": (0x1C, 2, 1), "sar": (0x1D, 2, 1), "keccak256": (0x20, 2, 1), "address": (0x30, 0, 1),
    "balance": (0x31, 1, 1), "origin": (0x32, 0, 1), "caller": (0x33, 0, 1),
    "callvalue": (0x34, 0, 1), "calldataload": (0x35, 1, 1), "calldatasize": (0x36, 0, 1),
    "calldatacopy": (0x37, 3, 0), "codesize": (0x38, 0, 1), "codecopy": (0x39, 3, 0),
    "gasprice": (0x3A, 0, 1), "extcodesize": (0x3B, 1, 1), "extcodecopy": (0x3C, 4, 0),
    "returndatasize": (0x3D, 0, 1), "returndatacopy": (0x3E, 3, 0), "extcodehash": (0x3F, 1, 1),
    "blockhash": (0x40, 1, 1), "coinbase": (0x41, 0, 1), "timestamp": (0x42, 0, 1),
    "number": (0x43, 0, 1), "prevrandao": (0x44, 0, 1), "gaslimit": (0x45, 0, 1),
    "chainid": (0x46, 0, 1), "selfbalance": (0x47, 0, 1), "basefee": (0x48, 0, 1),
    "pop": (0x50, 1, 0), "mload": (0x51, 1, 1), "mstore": (0x52, 2, 0), "mstore8": (0x53, 2, 0),
    "sload": (0x54, 1, 1), "sstore": (0x55, 2, 0), "msize": (0x59, 0, 1), "gas": (0x5A, 0, 1),
    "log0": (0xA0, 2, 0), "log1": (0xA1, 3, 0), "log2": (0xA2, 4, 0), "log3": (0xA3, 5, 0),
    "log4": (0xA4, 6, 0), "create": (0xF0, 3, 1), "call": (0xF1, 7, 1), "callcode": (0xF2, 7, 1),
    "return": (0xF3, 2, 0), "delegatecall": (0xF4, 6, 1), "create2": (0xF5, 4, 1),
    "staticcall": (0xFA, 6, 1), "revert": (0xFD, 2, 0), "invalid": (0xFE, 0, 0),
}
OP = {"JUMP": 0x56, "JUMPI": 0x57, "JUMPDEST": 0x5B, "POP": 0x50, "MLOAD": 0x51, "MSTORE": 0x52,
      "DUP1": 0x80, "ISZERO": 0x15, "EQ": 0x14, "CALLDATALOAD": 0x35, "ADD": 0x01,
      "CALLVALUE": 0x34, "CALLDATASIZE": 0x36, "LT": 0x10, "SHR": 0x1C, "REVERT": 0xFD,
      "CODECOPY": 0x39, "RETURN": 0xF3}
WORD = 1 << 256


# -- code generation --------------------------------------------------------------------------

@dataclass
class FunctionInfo:
    node: Function
    label: int
    exit: int
    slots: dict[str, int]
    return_slot: int


class Codegen:
    """Emits a list of items: ("op", byte) | ("push", int) | ("label", id) | ("pushlabel", id)."""

    def __init__(self, constants: dict[str, int], members: dict[str, list], memory_base: int) -> None:
        self.constants = constants
        self.members = members  # "proof.offset" -> items computing it
        self.items: list[tuple] = []
        self.labels = 0
        self.next_slot = memory_base
        self.pool: dict[int, int] = {}
        self.functions: dict[str, FunctionInfo] = {}
        self.current: FunctionInfo | None = None
        self.loops: list[tuple[int, int]] = []  # (continue label, break label)

    def label(self) -> int:
        self.labels += 1
        return self.labels

    def emit(self, *item) -> None:
        self.items.append(item)

    def op(self, name: str) -> None:
        self.emit("op", OP[name])

    def slot(self) -> int:
        slot, self.next_slot = self.next_slot, self.next_slot + 32
        return slot

    # functions are hoisted per block, as in Yul
    def declare_functions(self, block: Block) -> None:
        for stmt in block.stmts:
            if isinstance(stmt, Function):
                if stmt.name in self.functions or stmt.name in BUILTINS:
                    raise YulError(f"line {stmt.line}: function {stmt.name} redefined")
                slots = {n: self.slot() for n in stmt.params + stmt.rets}
                self.functions[stmt.name] = FunctionInfo(stmt, self.label(), self.label(), slots,
                                                         self.slot())

    def check_recursion(self) -> None:
        calls = {name: set() for name in self.functions}

        def walk(node, into: set) -> None:
            if isinstance(node, Call) and node.name in self.functions:
                into.add(node.name)
            if isinstance(node, Function):
                return
            for child in children(node):
                walk(child, into)

        for name, info in self.functions.items():
            walk(info.node.body, calls[name])
        state: dict[str, int] = {}

        def visit(name: str) -> None:
            state[name] = 1
            for callee in calls[name]:
                if state.get(callee) == 1:
                    raise YulError(f"recursion through {callee} is not supported")
                if callee not in state:
                    visit(callee)
            state[name] = 2

        for name in calls:
            if name not in state:
                visit(name)

    def program(self, block: Block) -> None:
        self.gather_functions(block)
        self.check_recursion()
        self.scopes: list[dict[str, int]] = []
        self.block(block)
        self.emit("op", 0x00)  # STOP after the top-level code
        for info in self.functions.values():
            self.function(info)

    def gather_functions(self, node) -> None:
        if isinstance(node, Block):
            self.declare_functions(node)
        for child in children(node):
            if isinstance(child, (Block, If, For, Switch, Function)):
                self.gather_functions(child.body if isinstance(child, Function) else child)

    def function(self, info: FunctionInfo) -> None:
        self.current, saved = info, self.scopes
        self.scopes = [dict(info.slots)]
        self.emit("label", info.label)
        self.emit("push", info.return_slot)
        self.op("MSTORE")
        for name in info.node.rets:
            self.emit("push", 0)
            self.emit("push", info.slots[name])
            self.op("MSTORE")
        self.block(info.node.body, new_scope=True)
        self.emit("label", info.exit)
        for name in info.node.rets:
            self.load_slot(info.slots[name])
        self.load_slot(info.return_slot)
        self.op("JUMP")
        self.current, self.scopes = None, saved

    def lookup(self, name: str, line: int) -> int:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        raise YulError(f"line {line}: undeclared identifier {name}")

    def load_slot(self, slot: int) -> None:
        self.emit("push", slot)
        self.op("MLOAD")

    def store(self, names: list[str], line: int) -> None:
        for name in reversed(names):  # the last value is on top
            self.emit("push", self.lookup(name, line))
            self.op("MSTORE")

    def block(self, block: Block, new_scope: bool = True) -> None:
        if new_scope:
            self.scopes.append({})
        for stmt in block.stmts:
            self.statement(stmt)
        if new_scope:
            self.scopes.pop()

    def statement(self, stmt) -> None:
        if isinstance(stmt, Block):
            self.block(stmt)
        elif isinstance(stmt, Function):
            pass  # emitted after the top-level code
        elif isinstance(stmt, Let):
            scope = self.scopes[-1]
            for name in stmt.names:
                if any(name in s for s in self.scopes) or name in self.functions:
                    raise YulError(f"line {stmt.line}: {name} shadows a declaration")
                scope[name] = self.slot()
            if stmt.value is None:
                for name in stmt.names:
                    self.emit("push", 0)
                    self.emit("push", scope[name])
                    self.op("MSTORE")
            else:
                self.expression(stmt.value, len(stmt.names))
                self.store(stmt.names, stmt.line)
        elif isinstance(stmt, Assign):
            self.expression(stmt.value, len(stmt.names))
            self.store(stmt.names, stmt.line)
        elif isinstance(stmt, If):
            end = self.label()
            self.expression(stmt.cond, 1)
            self.op("ISZERO")
            self.emit("pushlabel", end)
            self.op("JUMPI")
            self.block(stmt.body)
            self.emit("label", end)
        elif isinstance(stmt, Switch):
            value = self.slot()
            self.expression(stmt.expr, 1)
            self.emit("push", value)
            self.op("MSTORE")
            end = self.label()
            for case_value, body in stmt.cases:
                skip = self.label()
                if case_value is not None:
                    self.load_slot(value)
                    self.push_value(case_value)
                    self.op("EQ")
                    self.op("ISZERO")
                    self.emit("pushlabel", skip)
                    self.op("JUMPI")
                self.block(body)
                self.emit("pushlabel", end)
                self.op("JUMP")
                self.emit("label", skip)
            self.emit("label", end)
        elif isinstance(stmt, For):
            self.scopes.append({})  # the init block's variables are visible in the whole loop
            self.block(stmt.init, new_scope=False)
            top, post, end = self.label(), self.label(), self.label()
            self.emit("label", top)
            self.expression(stmt.cond, 1)
            self.op("ISZERO")
            self.emit("pushlabel", end)
            self.op("JUMPI")
            self.loops.append((post, end))
            self.block(stmt.body)
            self.loops.pop()
            self.emit("label", post)
            self.block(stmt.post)
            self.emit("pushlabel", top)
            self.op("JUMP")
            self.emit("label", end)
            self.scopes.pop()
        elif isinstance(stmt, Jump):
            if stmt.kind == "leave":
                if self.current is None:
                    raise YulError(f"line {stmt.line}: leave outside a function")
                self.emit("pushlabel", self.current.exit)
            else:
                if not self.loops:
                    raise YulError(f"line {stmt.line}: {stmt.kind} outside a loop")
                self.emit("pushlabel", self.loops[-1][0 if stmt.kind == "continue" else 1])
            self.op("JUMP")
        elif isinstance(stmt, Call):
            self.expression(stmt, 0)
        else:
            raise YulError(f"unsupported statement {stmt!r}")

    def push_value(self, value: int) -> None:
        value %= WORD
        if value in self.pool:
            self.load_slot(self.pool[value])
        else:
            self.emit("push", value)

    def expression(self, expr, expected: int) -> None:
        if isinstance(expr, Lit):
            self.need(expected, 1, "a literal")
            self.push_value(expr.value)
        elif isinstance(expr, Ident):
            self.need(expected, 1, expr.name)
            if expr.name in self.members:
                for item in self.members[expr.name]:
                    self.emit(*item)
            elif expr.name in self.constants and not any(expr.name in s for s in self.scopes):
                self.push_value(self.constants[expr.name])
            else:
                self.load_slot(self.lookup(expr.name, expr.line))
        elif isinstance(expr, Call):
            if expr.name in BUILTINS:
                opcode, nargs, nrets = BUILTINS[expr.name]
                if len(expr.args) != nargs:
                    raise YulError(f"line {expr.line}: {expr.name} takes {nargs} arguments")
                self.need(expected, nrets, expr.name)
                for arg in reversed(expr.args):
                    self.expression(arg, 1)
                self.emit("op", opcode)
            elif expr.name in self.functions:
                info = self.functions[expr.name]
                fn = info.node
                if len(expr.args) != len(fn.params):
                    raise YulError(f"line {expr.line}: {fn.name} takes {len(fn.params)} arguments")
                self.need(expected, len(fn.rets), fn.name)
                for arg in reversed(expr.args):
                    self.expression(arg, 1)
                for name in fn.params:  # the first argument is on top
                    self.emit("push", info.slots[name])
                    self.op("MSTORE")
                back = self.label()
                self.emit("pushlabel", back)
                self.emit("pushlabel", info.label)
                self.op("JUMP")
                self.emit("label", back)
            else:
                raise YulError(f"line {expr.line}: unknown function {expr.name}")
        else:
            raise YulError(f"unsupported expression {expr!r}")

    @staticmethod
    def need(expected: int, got: int, what: str) -> None:
        if expected != got:
            raise YulError(f"{what} gives {got} value(s) where {expected} are expected")


def literals(node, into: dict[int, int], constants: dict[str, int]) -> None:
    if isinstance(node, Lit):
        into[node.value] = into.get(node.value, 0) + 1
    elif isinstance(node, Ident) and node.name in constants:
        value = constants[node.name]
        into[value] = into.get(value, 0) + 1
    for child in children(node):
        literals(child, into, constants)


def assemble(items: list[tuple]) -> bytes:
    """Bytes for the items; labels are pushed as PUSH2 (code < 64 KiB)."""
    positions: dict[int, int] = {}
    pc = 0
    for item in items:
        if item[0] == "label":
            positions[item[1]] = pc
            pc += 1
        elif item[0] == "pushlabel":
            pc += 3
        elif item[0] == "push":
            pc += 1 + push_width(item[1])
        else:
            pc += 1
    out = bytearray()
    for item in items:
        kind = item[0]
        if kind == "label":
            out.append(OP["JUMPDEST"])
        elif kind == "pushlabel":
            out += bytes([0x61]) + positions[item[1]].to_bytes(2, "big")
        elif kind == "push":
            width = push_width(item[1])
            out.append(0x5F + width)
            if width:
                out += item[1].to_bytes(width, "big")
        else:
            out.append(item[1])
    if len(out) > 0xFFFF:
        raise YulError(f"code of {len(out)} bytes exceeds PUSH2 jump targets")
    return bytes(out)


def push_width(value: int) -> int:
    return 0 if value == 0 else (value.bit_length() + 7) // 8  # PUSH0 for zero (Shanghai)


def max_memory_literal(node, constants: dict[str, int], limit: int = 1 << 24) -> int:
    found: dict[int, int] = {}
    literals(node, found, constants)
    return max([v for v in found if v < limit] + [0])
