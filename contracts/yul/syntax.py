"""The Yul subset's tokens, syntax tree and parser (see compiler.py for what is supported)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field


class YulError(Exception):
    """A source the subset cannot compile, with the reason and where."""


# name -> (opcode, arguments, returns)


# -- tokens and syntax tree -------------------------------------------------------------------

TOKEN = re.compile(r"""
    (?P<space>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<number>0x[0-9a-fA-F]+|[0-9]+)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<ident>[A-Za-z_$][A-Za-z0-9_$.]*)
  | (?P<punct>:=|->|[{}(),:])
""", re.VERBOSE | re.DOTALL)


@dataclass
class Tok:
    kind: str
    text: str
    line: int


def tokenize(source: str) -> list[Tok]:
    tokens, pos, line = [], 0, 1
    while pos < len(source):
        m = TOKEN.match(source, pos)
        if not m:
            raise YulError(f"line {line}: unexpected character {source[pos]!r}")
        if m.lastgroup != "space":
            tokens.append(Tok(m.lastgroup, m.group(), line))
        line += m.group().count("\n")
        pos = m.end()
    return tokens


@dataclass
class Lit:
    value: int


@dataclass
class Ident:
    name: str
    line: int


@dataclass
class Call:
    name: str
    args: list
    line: int


@dataclass
class Let:
    names: list[str]
    value: object | None
    line: int


@dataclass
class Assign:
    names: list[str]
    value: object
    line: int


@dataclass
class If:
    cond: object
    body: "Block"


@dataclass
class Switch:
    expr: object
    cases: list  # [(value or None for default, Block)]


@dataclass
class For:
    init: "Block"
    cond: object
    post: "Block"
    body: "Block"


@dataclass
class Jump:
    kind: str  # break / continue / leave
    line: int


@dataclass
class Function:
    name: str
    params: list[str]
    rets: list[str]
    body: "Block"
    line: int


@dataclass
class Block:
    stmts: list = field(default_factory=list)


class Parser:
    def __init__(self, tokens: list[Tok]) -> None:
        self.t, self.i = tokens, 0

    def peek(self, k: int = 0) -> Tok | None:
        return self.t[self.i + k] if self.i + k < len(self.t) else None

    def next(self) -> Tok:
        tok = self.peek()
        if tok is None:
            raise YulError("unexpected end of source")
        self.i += 1
        return tok

    def expect(self, text: str) -> Tok:
        tok = self.next()
        if tok.text != text:
            raise YulError(f"line {tok.line}: expected {text!r}, found {tok.text!r}")
        return tok

    def block(self) -> Block:
        self.expect("{")
        block = Block()
        while (tok := self.peek()) is not None and tok.text != "}":
            block.stmts.append(self.statement())
        self.expect("}")
        return block

    def names(self) -> list[str]:
        names = [self.ident()]
        while self.peek() is not None and self.peek().text == ",":
            self.next()
            names.append(self.ident())
        return names

    def ident(self) -> str:
        tok = self.next()
        if tok.kind != "ident":
            raise YulError(f"line {tok.line}: expected an identifier, found {tok.text!r}")
        return tok.text

    def statement(self):
        tok = self.peek()
        assert tok is not None
        if tok.text == "{":
            return self.block()
        if tok.text == "let":
            self.next()
            names = self.names()
            value = None
            if self.peek() is not None and self.peek().text == ":=":
                self.next()
                value = self.expression()
            return Let(names, value, tok.line)
        if tok.text == "if":
            self.next()
            return If(self.expression(), self.block())
        if tok.text == "for":
            self.next()
            return For(self.block(), self.expression(), self.block(), self.block())
        if tok.text == "switch":
            self.next()
            expr, cases = self.expression(), []
            while self.peek() is not None and self.peek().text in ("case", "default"):
                if self.next().text == "case":
                    lit = self.expression()
                    if not isinstance(lit, Lit):
                        raise YulError(f"line {tok.line}: a case needs a literal")
                    cases.append((lit.value, self.block()))
                else:
                    cases.append((None, self.block()))
            return Switch(expr, cases)
        if tok.text in ("break", "continue", "leave"):
            self.next()
            return Jump(tok.text, tok.line)
        if tok.text == "function":
            self.next()
            name = self.ident()
            self.expect("(")
            params = [] if self.peek().text == ")" else self.names()
            self.expect(")")
            rets = []
            if self.peek().text == "->":
                self.next()
                rets = self.names()
            return Function(name, params, rets, self.block(), tok.line)
        if tok.kind == "ident" and self.peek(1) is not None and self.peek(1).text in (",", ":="):
            names = self.names()
            self.expect(":=")
            return Assign(names, self.expression(), tok.line)
        expr = self.expression()
        if not isinstance(expr, Call):
            raise YulError(f"line {tok.line}: an expression statement must be a call")
        return expr

    def expression(self):
        tok = self.next()
        if tok.kind == "number":
            return Lit(int(tok.text, 0))
        if tok.text in ("true", "false"):
            return Lit(1 if tok.text == "true" else 0)
        if tok.kind == "string":
            raw = tok.text[1:-1].encode()
            if len(raw) > 32:
                raise YulError(f"line {tok.line}: string literal longer than 32 bytes")
            return Lit(int.from_bytes(raw.ljust(32, b"\0"), "big"))
        if tok.kind != "ident":
            raise YulError(f"line {tok.line}: unexpected {tok.text!r}")
        if self.peek() is not None and self.peek().text == "(":
            self.next()
            args = []
            while self.peek().text != ")":
                args.append(self.expression())
                if self.peek().text == ",":
                    self.next()
            self.expect(")")
            return Call(tok.text, args, tok.line)
        return Ident(tok.text, tok.line)


def children(node) -> list:
    if isinstance(node, Block):
        return node.stmts
    if isinstance(node, If):
        return [node.cond, node.body]
    if isinstance(node, For):
        return [node.init, node.cond, node.post, node.body]
    if isinstance(node, Switch):
        return [node.expr] + [b for _, b in node.cases]
    if isinstance(node, Function):
        return [node.body]
    if isinstance(node, (Let, Assign)):
        return [node.value] if node.value is not None else []
    if isinstance(node, Call):
        return node.args
    return []
