"""The pyrevm execution backend: transactions run in revm (Rust), blocks and receipts are kept here.

Same surface as the py-evm backend (`devnet.chain.DevChain`); the shared logic (tags, time, the
transaction pool, logs, signing) is `devnet.chainbase.ChainBase`. Differences, all invisible to a
JSON-RPC client that does not verify proofs:

- `stateRoot`, `transactionsRoot` and `receiptsRoot` are sha256 digests of the block's contents,
  not Merkle-Patricia roots (revm keeps no trie); block hashes are real keccak hashes of the
  RLP header, so they are unique and stable.
- pyrevm's `message_call` neither bumps the sender's nonce nor charges gas, so the devnet does both
  after each call transaction (balance -= gasUsed * effective gas price). The base fee is not burnt
  inside the EVM (`BASEFEE` reads 0 during execution); the sender pays exactly as on py-evm.
- The `GASLIMIT` opcode reads 300,000,000 (pyrevm applies one gas limit to every execution, and
  `eth_call` needs that cap); transactions are still checked against the 30M block gas limit.
- revm's journal is never finalised between transactions, so accounts and slots touched by an
  earlier transaction stay warm (EIP-2929): later transactions may use less gas than on a real
  chain. Estimates and executions see the same rule, so `eth_estimateGas` stays sufficient here.
- Older states (an `eth_call` or `eth_getBalance` at an older block, `evm_revert`) are rebuilt by
  replaying the recorded blocks into a fresh EVM (a replayed state is cached for the next query).
"""
from __future__ import annotations

import hashlib
import os
import re
import time

import rlp
from eth.constants import BLANK_ROOT_HASH
from eth_bloom import BloomFilter
from eth_utils import keccak
from pyrevm import EVM, AccountInfo, BlockEnv, CfgEnv, Env

from . import fasttx
from .chainbase import (CALL_GAS_CAP, DEFAULT_BALANCE, DEFAULT_CHAIN_ID, GAS_LIMIT, INITIAL_BASE_FEE, BlockExtras,
                        ChainBase, RPCError, TxInfo, effective_gas_price, revert_error, search_gas_limit, tx_type)

SPEC = "PRAGUE"
ZERO = b"\x00" * 20
ZERO_HEX = "0x" + "00" * 20
_OUTPUT = re.compile(r"output: 0x([0-9a-fA-F]*)")
EMPTY_REQUESTS_HASH = bytes.fromhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


def hx(addr: bytes) -> str:
    return "0x" + addr.hex()


def digest(*parts: bytes) -> bytes:
    """Stand-in for a trie root (see the module doc): sha256, which costs less than keccak here."""
    return hashlib.sha256(b"".join(parts)).digest()


def next_base_fee(parent) -> int:
    """EIP-1559, as py-evm's calculate_expected_base_fee_per_gas."""
    base, used, target = parent.base_fee_per_gas, parent.gas_used, parent.gas_limit // 2
    if used == target:
        return base
    if used > target:
        return base + max(base * (used - target) // target // 8, 1)
    return max(base - base * (target - used) // target // 8, 0)


EMPTY_UNCLES = keccak(rlp.encode([]))
HEADER_FIELDS = ("parent_hash", "uncles_hash", "coinbase", "state_root", "transaction_root", "receipt_root", "bloom",
                 "difficulty", "block_number", "gas_limit", "gas_used", "timestamp", "extra_data", "mix_hash", "nonce",
                 "base_fee_per_gas", "withdrawals_root", "blob_gas_used", "excess_blob_gas",
                 "parent_beacon_block_root", "requests_hash")


class Header:
    """A Prague block header with the attribute names of py-evm's; `hash` is keccak of its RLP (as py-evm's).
    Built by hand because py-evm's serializable header costs more to hash than revm takes to run a block."""

    def __init__(self, **kw):
        self.parent_hash = b"\x00" * 32
        self.uncles_hash = EMPTY_UNCLES
        self.coinbase = ZERO
        self.state_root = self.transaction_root = self.receipt_root = self.withdrawals_root = BLANK_ROOT_HASH
        self.bloom = self.difficulty = self.gas_used = self.blob_gas_used = self.excess_blob_gas = 0
        self.extra_data = b""
        self.mix_hash = self.parent_beacon_block_root = b"\x00" * 32
        self.nonce = b"\x00" * 8
        self.requests_hash = EMPTY_REQUESTS_HASH
        self.__dict__.update(kw)
        # RLP by hand: every field is a string (ints minimal big-endian), most of them 32-byte hashes
        parts = []
        for f in HEADER_FIELDS:
            v = getattr(self, f)
            if f == "bloom":
                parts.append(b"\xb9\x01\x00" + v.to_bytes(256, "big"))
                continue
            if type(v) is int:
                v = v.to_bytes((v.bit_length() + 7) // 8, "big")
            n = len(v)
            if n == 32:
                parts.append(b"\xa0" + v)
            elif n == 1 and v[0] < 0x80:
                parts.append(v)
            elif n < 56:
                parts.append(bytes([0x80 + n]) + v)
            else:
                parts.append(fasttx.encode(v))
        body = b"".join(parts)
        self.rlp = fasttx.encode_list_body(body)
        self.hash = keccak(self.rlp)


class Block:
    def __init__(self, header: Header, transactions: list):
        self.header, self.transactions = header, transactions
        self.hash, self.number = header.hash, header.block_number
        # RLP size of [header, txs, uncles, withdrawals] (typed transactions count as RLP strings)
        body = len(header.rlp) + sum(len(_raw(tx)) + 3 for tx in transactions) + 2
        self.size = body + 3


def _raw(tx) -> bytes:
    raw = getattr(tx, "raw", None)
    return raw if raw is not None else tx.encode()


class ExecFailed(Exception):
    """revm refused the transaction before running it (not a revert)."""


# How far back a read may be served from the live state when every block since is empty.
EMPTY_BLOCKS_SKIPPED = 256


class RevmChain(ChainBase):
    backend = "pyrevm"

    def __init__(self, chain_id: int = DEFAULT_CHAIN_ID, keys=None, balance: int = DEFAULT_BALANCE,
                 gas_limit: int = GAS_LIMIT, genesis_timestamp: int | None = None):
        super().__init__(chain_id, keys, balance, gas_limit)
        self.ops: dict[int, tuple] = {}  # block number -> (BlockEnv kwargs, ops) for replays
        self.by_hash: dict[bytes, int] = {}
        self.evm = self._new_evm()
        self._env: dict | None = None  # the pending block's environment, fixed by its first transaction
        self._pending_ops: list = []  # ("tx", tx) / ("bal", addr, wei), in order
        self._pending_results: list = []
        self._pending_gas = 0
        # Replayed states (block number, evm), each only ever moved forward: `_head` serves reads at
        # the head while a block is pending, `_hist` reads pinned to older blocks (a node's sync).
        # With one cache for both, each sent the other back to genesis whenever it had moved the
        # state past it: a replay of every transaction since genesis (0.1–0.4 s) several times a
        # second in the node's on-chain benchmark.
        self._head: tuple[int, EVM] | None = None
        self._hist: tuple[int, EVM] | None = None
        self._bloom_cache: dict[bytes, int] = {}
        header = Header(block_number=0, gas_limit=gas_limit, timestamp=genesis_timestamp or int(time.time()),
                        extra_data=b"infernet-devnet", base_fee_per_gas=INITIAL_BASE_FEE,
                        state_root=keccak(b"revm-genesis" + b"".join(self.accounts)))
        self._record(Block(header, []), [])

    # ------------------------------------------------------------------ EVM instances
    def _new_evm(self) -> EVM:
        # pyrevm uses its gas_limit as the block gas limit of every execution: eth_call needs up to
        # CALL_GAS_CAP (the devnet checks transactions against the real block gas limit itself)
        evm = EVM(env=Env(cfg=CfgEnv(chain_id=self.chain_id)), gas_limit=max(CALL_GAS_CAP, self.gas_limit), spec_id=SPEC)
        for a in self.accounts:
            evm.set_balance(hx(a), self.balance)
        return evm

    @staticmethod
    def _block_env(env: dict) -> BlockEnv:
        return BlockEnv(number=env["number"], coinbase=ZERO_HEX, timestamp=env["timestamp"], difficulty=0,
                        prevrandao=env["prevrandao"], basefee=env["basefee"], gas_limit=env["gas_limit"])

    def _replay_into(self, evm: EVM, first: int, last: int):
        for n in range(first, last + 1):
            env, ops = self.ops[n]
            evm.set_block_env(self._block_env(env))
            for op in ops:
                if op[0] == "tx":
                    self._exec_tx(evm, op[1], env["basefee"])
                else:
                    evm.set_balance(hx(op[1]), op[2])

    def _evm_at_block(self, n: int) -> EVM:
        """The state after block n (n < head, or head while a pending block exists), replayed
        forward from the cached state for such reads. A read pinned to an older block may take the
        head's cached state when `_hist` is past n: the head's next read moves it forward again."""
        at_head = n == self.head_number
        own, other = (self._head, self._hist) if at_head else (self._hist, self._head)
        if own is not None and own[0] <= n:
            start, evm = own
        elif not at_head and other is not None and other[0] <= n:
            start, evm = other
            self._head = None
        else:
            start, evm = 0, self._new_evm()
        self._replay_into(evm, start + 1, n)
        if at_head:
            self._head = (n, evm)
        else:
            self._hist = (n, evm)
        evm.set_block_env(self._block_env(self.ops[n][0]) if n > 0 else BlockEnv(
            number=0, timestamp=self.blocks[0].block.header.timestamp, basefee=INITIAL_BASE_FEE, gas_limit=self.gas_limit))
        return evm

    def _evm_for(self, tag) -> EVM:
        n = self.resolve_tag(tag)
        if n == "pending":
            self._prepare_pending_timestamp()
            return self.evm
        if n > self.head_number or n < 0:
            raise RPCError(-32000, "header not found")
        if not self._pending_ops and self._unchanged_since(n):
            if n > 0:
                self.evm.set_block_env(self._block_env(self.ops[n][0]))
            return self.evm
        return self._evm_at_block(n)

    def _unchanged_since(self, n: int) -> bool:
        """Whether the mined state is the state after block n: n is the head, or only empty blocks
        (the block timer's) came since. A node pins its reads to the head it saw, which the timer
        soon passes; replaying to rebuild the same state cost up to 0.2 s after a bulk of
        transactions. Genesis, behind later blocks, keeps its own block environment (a replay)."""
        if n == self.head_number:
            return True
        return 0 < n and self.head_number - n <= EMPTY_BLOCKS_SKIPPED \
            and not any(self.ops[k][1] for k in range(n + 1, self.head_number + 1))

    def decode_raw(self, raw: bytes):
        if raw[:1] == b"\x03":
            raise RPCError(-32000, "blob transactions are not supported")
        try:
            return fasttx.decode(raw)
        except Exception as e:
            raise RPCError(-32602, f"invalid raw transaction: {type(e).__name__}: {str(e)[:200]}")

    # ------------------------------------------------------------------ pending-state hooks
    @property
    def pending_base_fee(self) -> int:
        return self._next_base_fee  # set when the head changes

    def pending_nonce(self, addr: bytes) -> int:
        return self.evm.basic(hx(addr)).nonce

    def pending_balance(self, addr: bytes) -> int:
        return self.evm.get_balance(hx(addr))

    def pending_gas_left(self) -> int:
        return self.gas_limit - self._pending_gas

    def _prepare_pending_timestamp(self):
        """Fix the pending block's environment (its timestamp) until its first transaction."""
        if not self.pending:
            self._env = {"number": self.head_number + 1, "timestamp": self._next_block_timestamp(),
                         "prevrandao": os.urandom(32), "basefee": self.pending_base_fee, "gas_limit": self.gas_limit}
        self.evm.set_block_env(self._block_env(self._env))

    # ------------------------------------------------------------------ execution
    def _exec_tx(self, evm: EVM, tx, base_fee: int) -> dict:
        """Run a signed transaction as part of a block; -> receipt fields. ExecFailed if refused."""
        sender = tx.sender
        s = hx(sender)
        price = effective_gas_price(tx, base_fee)
        nonce0 = evm.basic(s).nonce
        cp = evm.snapshot()
        create = not tx.to
        try:
            if create:
                evm.deploy(s, tx.data, tx.value, tx.gas, price)
            else:
                evm.message_call(s, hx(tx.to), tx.data, tx.value, tx.gas, price)
        except RuntimeError as e:
            msg = str(e)
            if not (msg.startswith("Revert") or msg.startswith("Halt")):
                evm.revert(cp)
                raise ExecFailed(msg)
        r = evm.result
        evm.commit()
        evm.reset_transient_storage()
        gas_used = r.gas_used
        bal = evm.get_balance(s)
        if not create:  # pyrevm's message_call charges nothing and keeps the nonce (see module doc)
            bal -= gas_used * price
        evm.insert_account_info(s, AccountInfo(balance=bal, nonce=nonce0 + 1))
        logs = []
        if r.is_success:
            for lg in r.logs:
                topics, data = lg.data
                logs.append((bytes.fromhex(lg.address[2:]), [bytes(t) for t in topics], bytes(data)))
        return {"status": 1 if r.is_success else 0, "gasUsed": gas_used, "logs": logs,
                "contract": keccak(rlp.encode([sender, tx.nonce]))[12:] if create else None}

    def _apply(self, tx):
        """Apply a validated transaction to the pending block."""
        self._prepare_pending_timestamp()
        try:
            res = self._exec_tx(self.evm, tx, self._env["basefee"])
        except ExecFailed as e:
            raise RPCError(-32000, f"transaction rejected: {str(e)[:300]}")
        self.pending.append(tx)
        self._pending_ops.append(("tx", tx))
        self._pending_results.append(res)
        self._pending_gas += res["gasUsed"]
        self.tx_index[tx.hash] = TxInfo(tx, None, len(self.pending) - 1)

    def _run_call(self, evm: EVM, params: dict, gas: int):
        """-> (ok, output, result); never changes the state."""
        sender = hx(params.get("from") or ZERO)
        cp = evm.snapshot()
        try:
            try:
                if params.get("to"):
                    out = evm.message_call(sender, hx(params["to"]), params.get("data", b""), params.get("value", 0), gas, 0)
                else:
                    addr = evm.deploy(sender, params.get("data", b""), params.get("value", 0), gas, 0)
                    out = evm.get_code(addr) or b""
                return True, bytes(out), evm.result
            except RuntimeError as e:
                msg = str(e)
                if msg.startswith("Revert"):
                    m = _OUTPUT.search(msg)
                    return False, bytes.fromhex(m.group(1)) if m else b"", evm.result
                if msg.startswith("Halt"):
                    return False, None, evm.result
                raise RPCError(-32000, f"execution failed: {msg[:200]}")
        finally:
            evm.revert(cp)
            evm.reset_transient_storage()

    def call(self, params: dict, tag="latest") -> bytes:
        ok, out, r = self._run_call(self._evm_for(tag), params, params.get("gas") or CALL_GAS_CAP)
        if ok:
            return out
        if out is not None:
            raise revert_error(out)
        raise RPCError(-32000, f"execution failed: {r.reason[:200]}")

    def estimate_gas(self, params: dict, tag="latest") -> int:
        evm = self._evm_for(tag)
        cap = params.get("gas") or self.gas_limit
        ok, out, r = self._run_call(evm, params, cap)
        if not ok:
            if out is not None:
                raise revert_error(out)
            raise RPCError(-32000, f"gas required exceeds allowance ({cap}) or always failing transaction: {r.reason}")
        used = r.gas_used + r.gas_refunded  # before refunds
        return search_gas_limit(lambda g: self._run_call(evm, params, g)[0], used, cap)

    # ------------------------------------------------------------------ mining
    def mine(self, timestamp: int | None = None):
        if timestamp is not None:
            self.set_next_timestamp(timestamp)
        self._promote_pool()  # every block takes the pooled transactions that pay enough for it
        self._prepare_pending_timestamp()
        env = self._env
        n = env["number"]
        parent = self.blocks[self.head_number].block.header
        txs = list(self.pending)
        results = self._pending_results
        bloom = 0
        receipt_blooms = []
        for res in results:
            rb = 0
            for addr, topics, _ in res["logs"]:
                rb |= self._bloom_bits(addr)
                for t in topics:
                    rb |= self._bloom_bits(t)
            receipt_blooms.append(rb)
            bloom |= rb
        hashes = b"".join(tx.hash for tx in txs)
        receipts_digest = b"".join(b"%d:%d:%d;" % (r["status"], r["gasUsed"], len(r["logs"])) for r in results)
        header = Header(
            block_number=n, gas_limit=self.gas_limit, timestamp=env["timestamp"], parent_hash=parent.hash,
            state_root=digest(parent.state_root, hashes, b"%d" % n, *self._pending_ops_digest()),
            transaction_root=digest(hashes) if txs else BLANK_ROOT_HASH,
            receipt_root=digest(receipts_digest) if txs else BLANK_ROOT_HASH, bloom=bloom,
            gas_used=self._pending_gas, mix_hash=env["prevrandao"], base_fee_per_gas=env["basefee"])
        block = Block(header, txs)
        self.ops[n] = (env, self._pending_ops)
        self._record(block, results, receipt_blooms)
        self._after_mine(env["timestamp"])
        self.pending = []
        self._pending_ops, self._pending_results, self._pending_gas, self._env = [], [], 0, None
        return block

    def _bloom_bits(self, item: bytes) -> int:
        """The 3 bloom bits of one address/topic (cached: addresses and event topics repeat)."""
        bits = self._bloom_cache.get(item)
        if bits is None:
            bits = int(BloomFilter.from_iterable([item]))
            if len(self._bloom_cache) > 50_000:
                self._bloom_cache.clear()
            self._bloom_cache[item] = bits
        return bits

    def _pending_ops_digest(self):
        return [op[2].to_bytes(32, "big") + op[1] for op in self._pending_ops if op[0] == "bal"]

    def _record(self, block, results, blooms=()):
        n = block.number
        ex = BlockExtras(block=block)
        h = block.hash
        base_fee = block.header.base_fee_per_gas
        log_index = 0
        cum = 0
        for i, (tx, res) in enumerate(zip(block.transactions, results)):
            self.tx_index[tx.hash] = TxInfo(tx, n, i)
            logs = []
            for addr, topics, data in res["logs"]:
                logs.append({"address": addr, "topics": topics, "data": data, "blockNumber": n, "blockHash": h,
                             "transactionHash": tx.hash, "transactionIndex": i, "logIndex": log_index, "removed": False})
                log_index += 1
            ex.logs.extend(logs)
            cum += res["gasUsed"]
            ex.receipts.append({
                "transactionHash": tx.hash, "transactionIndex": i, "blockHash": h, "blockNumber": n,
                "from": tx.sender, "to": tx.to or None, "cumulativeGasUsed": cum, "gasUsed": res["gasUsed"],
                "effectiveGasPrice": effective_gas_price(tx, base_fee), "contractAddress": res["contract"],
                "logs": logs, "logsBloom": blooms[i].to_bytes(256, "big"), "status": res["status"], "type": tx_type(tx),
            })
        self.blocks[n] = ex
        self.by_hash[h] = n
        self._head_n = n
        self._next_base_fee = next_base_fee(block.header)

    # ------------------------------------------------------------------ blocks
    def block_by_hash(self, h: bytes):
        n = self.by_hash.get(h)
        return self.blocks[n].block if n is not None and n in self.blocks else None

    def pending_block(self):
        env = self._env or {"number": self.head_number + 1, "timestamp": self._next_block_timestamp(),
                            "prevrandao": b"\x00" * 32, "basefee": self.pending_base_fee}
        header = Header(block_number=env["number"], gas_limit=self.gas_limit, timestamp=env["timestamp"],
                        parent_hash=self.blocks[self.head_number].block.hash, gas_used=self._pending_gas,
                        mix_hash=env["prevrandao"], base_fee_per_gas=env["basefee"])
        return Block(header, list(self.pending))

    # ------------------------------------------------------------------ state
    def get_balance(self, addr, tag="latest"):
        return self._evm_for(tag).get_balance(hx(addr))

    def get_nonce(self, addr, tag="latest"):
        return self._evm_for(tag).basic(hx(addr)).nonce

    def get_code(self, addr, tag="latest"):
        return bytes(self._evm_for(tag).get_code(hx(addr)) or b"")

    def get_storage(self, addr, slot, tag="latest"):
        return self._evm_for(tag).storage(hx(addr), slot)

    def set_balance(self, addr, value: int):
        self.evm.set_balance(hx(addr), value)
        self._pending_ops.append(("bal", addr, value))
        if self.automine and not self.pending:
            self.mine()

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> int:
        self._snap_id += 1
        self.snapshots[self._snap_id] = (self.head_number, self._time_state())
        return self._snap_id

    def revert(self, snap_id: int) -> bool:
        if snap_id not in self.snapshots:
            return False
        n, time_state = self.snapshots[snap_id]
        # like ganache/anvil: a snapshot can be reverted to once; later snapshots die with it
        for k in [k for k in self.snapshots if k >= snap_id]:
            del self.snapshots[k]
        # the state after block n: a cached replay if it is not past n, else a fresh replay
        if self._hist is not None and self._hist[0] > n:
            self._hist = None
        if self._head is not None and self._head[0] > n:
            self._head = None
        evm = self._evm_at_block(n) if n < self.head_number or self._pending_ops else self.evm
        self._head = self._hist = None  # it becomes the live state
        for k in [k for k in self.ops if k > n]:
            del self.ops[k]
        for k in [k for k in self.blocks if k > n]:
            self.by_hash.pop(self.blocks[k].block.hash, None)
        self._drop_blocks_above(n)
        self._next_base_fee = next_base_fee(self.blocks[n].block.header)
        self.evm = evm
        self._pending_ops, self._pending_results, self._pending_gas, self._env = [], [], 0, None
        self._restore_time(time_state)
        return True
