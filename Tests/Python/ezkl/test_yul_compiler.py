"""The Yul-subset compiler (contracts/yul) on small programs, executed by py-evm in process:
each program returns one word, compared with the value Yul's semantics give."""
from __future__ import annotations

import pytest

from contracts.yul import YulError, compile_yul
from contracts.yul.compiler import compile_solidity_verifier


@pytest.fixture(scope="module")
def evm():
    from eth_account import Account
    from web3 import Web3

    from devnet.chain import DEFAULT_KEYS, DevChain
    from devnet.provider import InProcessProvider
    from contracts.yul.compiler import initcode
    chain = DevChain(chain_id=1337)
    w3 = Web3(InProcessProvider(chain))
    account = Account.from_key(DEFAULT_KEYS[0])

    def run(source: str, calldata: bytes = b"", value: int = 0, raw: bool = False):
        code = initcode(compile_yul(source)) if not raw else source
        tx = {"chainId": 1337, "nonce": w3.eth.get_transaction_count(account.address), "gas": 3_000_000,
              "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "type": 2, "data": "0x" + code.hex()}
        receipt = w3.eth.get_transaction_receipt(
            w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction))
        assert receipt["status"] == 1
        result = w3.eth.call({"to": receipt["contractAddress"], "data": "0x" + calldata.hex(),
                              "value": value, "from": account.address})
        return int.from_bytes(result, "big") if len(result) == 32 else result

    return run


def ret(expr: str) -> str:
    return f"mstore(0, {expr}) return(0, 32)"


def test_arithmetic_literals_and_builtins(evm):
    assert evm("{" + ret("add(mul(3, 0x10), sub(10, 4))") + "}") == 54
    assert evm("{" + ret("sub(0, 1)") + "}") == 2**256 - 1
    assert evm("{" + ret("mulmod(7, 9, 5)") + "}") == 3
    assert evm("{ let x := true let y := false " + ret("add(x, y)") + "}") == 1
    assert evm("{" + ret("shl(4, 1)") + "}") == 16


def test_let_assign_and_multi_value_functions(evm):
    src = """{
        function divmod(a, b) -> q, r { q := div(a, b) r := mod(a, b) }
        let q, r := divmod(47, 5)
        let x
        x := add(mul(q, 100), r)
        q, r := divmod(x, 7)
        mstore(0, add(mul(q, 1000), r)) return(0, 32)
    }"""
    assert evm(src) == (902 // 7) * 1000 + 902 % 7


def test_if_for_break_continue(evm):
    src = """{
        let sum := 0
        for { let i := 0 } lt(i, 100) { i := add(i, 1) } {
            if eq(i, 50) { break }
            if mod(i, 2) { continue }
            sum := add(sum, i)
        }
        mstore(0, sum) return(0, 32)
    }"""
    assert evm(src) == sum(i for i in range(50) if i % 2 == 0)


def test_leave_nested_calls_and_return_variables_start_at_zero(evm):
    src = """{
        function f(a) -> r {
            if gt(a, 10) { r := 1 leave }
            r := add(r, g(a))
        }
        function g(a) -> r { r := mul(a, 2) }
        function untouched() -> r { }
        mstore(0, add(add(f(20), f(f(4))), untouched())) return(0, 32)
    }"""
    assert evm(src) == 1 + 16


def test_switch(evm):
    src = """{
        function pick(x) -> r {
            switch x
            case 1 { r := 10 }
            case 2 { r := 20 }
            default { r := 99 }
        }
        mstore(0, add(add(pick(1), pick(2)), pick(7))) return(0, 32)
    }"""
    assert evm(src) == 129


def test_arguments_are_evaluated_right_to_left(evm):
    src = """{
        function bump() -> r { r := add(mload(0x80), 1) mstore(0x80, r) }
        let a := sub(bump(), bump())
        mstore(0, a) return(0, 32)
    }"""
    # right argument first: sub(2, 1)
    assert evm(src) == 1


def test_memory_and_calldata_builtins_and_big_constant_pool(evm):
    big = 21888242871839275222246405745257275088548364400416034343698204186575808495617
    src = "{ mstore(0x20, calldataload(0)) " + ret(f"addmod(mload(0x20), {big}, {big})") + "}"
    assert evm(src, calldata=(5).to_bytes(32, "big")) == 5


def test_errors_name_the_problem():
    with pytest.raises(YulError, match="undeclared identifier nope"):
        compile_yul("{ let a := nope }")
    with pytest.raises(YulError, match="recursion"):
        compile_yul("{ function f(a) -> r { r := f(a) } pop(f(1)) }")
    with pytest.raises(YulError, match="shadows"):
        compile_yul("{ let a := 1 { let a := 2 } }")
    with pytest.raises(YulError, match="unknown function"):
        compile_yul("{ pop(frobnicate(1)) }")
    with pytest.raises(YulError, match="takes 2 arguments"):
        compile_yul("{ pop(add(1)) }")
    with pytest.raises(YulError, match="break outside a loop"):
        compile_yul("{ break }")


SOLIDITY = """
contract V {
    uint256 internal constant K = 0x20;
    function check(bytes calldata blob, uint256[] calldata xs) public returns (bool) {
        assembly {
            let total := add(blob.length, mul(K, xs.length))
            total := add(total, calldataload(xs.offset))
            total := add(total, shr(248, calldataload(blob.offset)))
            mstore(0x00, total)
            return(0x00, 0x20)
        }
    }
}
"""


def test_solidity_wrapper_dispatch_constants_and_calldata_members(evm):
    from eth_abi import encode
    compiled = compile_solidity_verifier(SOLIDITY)
    assert compiled["signature"] == "check(bytes,uint256[])"
    args = encode(["bytes", "uint256[]"], [b"\x07abc", [5, 6]])
    result = evm(compiled["initcode"], calldata=compiled["selector"] + args, raw=True)
    assert result == 4 + 0x20 * 2 + 5 + 7
    with pytest.raises(Exception):  # another selector reverts
        evm(compiled["initcode"], calldata=b"\x00\x00\x00\x01" + args, raw=True)
    with pytest.raises(Exception):  # value reverts (non-payable)
        evm(compiled["initcode"], calldata=compiled["selector"] + args, value=1, raw=True)
