"""What both devnet execution backends share: tags, time, the transaction pool, logs, signing.

A backend (`devnet.chain.DevChain` on py-evm, `devnet.revm_chain.RevmChain` on pyrevm) subclasses
`ChainBase` and provides the state and execution hooks listed at the end of the class. Everything
here works on Python values (ints, bytes); `devnet.rpc` turns them into spec JSON. All public
methods must be called with `lock` held (the server does that).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from eth.vm.forks.berlin.transactions import TypedTransaction
from eth.vm.forks.prague import PragueVM
from eth_keys import keys as eth_keys

# Well-known development keys: 0x00..01 .. 0x00..0a. NEVER use them on a public chain.
DEFAULT_KEYS = ["0x" + f"{i:064x}" for i in range(1, 11)]
DEFAULT_BALANCE = 1_000_000 * 10**18
DEFAULT_CHAIN_ID = 1337
GAS_LIMIT = 30_000_000
INITIAL_BASE_FEE = 1_000_000_000
CALL_GAS_CAP = 300_000_000  # eth_call without gas (geth's default cap is 50M)
PRICE_BUMP_PERCENT = 10  # geth's default --txpool.pricebump
TX_BUILDER = PragueVM.get_transaction_builder()


class RPCError(Exception):
    """An error that becomes a JSON-RPC error object."""

    def __init__(self, code: int, message: str, data=None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def revert_error(output: bytes) -> RPCError:
    msg = "execution reverted"
    if output[:4] == bytes.fromhex("08c379a0"):
        try:
            from eth_abi import decode
            msg += ": " + decode(["string"], output[4:])[0]
        except Exception:
            pass
    return RPCError(3, msg, "0x" + output.hex())


@dataclass
class TxInfo:
    tx: object
    block_number: int | None  # None while pending
    index: int


@dataclass
class BlockExtras:
    """Per-block cache: receipts (python dicts of raw values) and logs, built once when mined."""
    block: object
    receipts: list = field(default_factory=list)
    logs: list = field(default_factory=list)


def tx_type(tx) -> int:
    """0 legacy, 1, 2: for py-evm transactions and devnet.fasttx.RawTx alike."""
    if isinstance(tx, TypedTransaction) or hasattr(tx, "raw"):
        return tx.type_id
    return 0


def effective_gas_price(tx, base_fee: int) -> int:
    if tx_type(tx) >= 2:
        return min(tx.max_fee_per_gas, tx.max_priority_fee_per_gas + base_fee)
    return tx.gas_price


def fee_caps(tx) -> tuple[int, int]:
    """(maxFeePerGas, maxPriorityFeePerGas); a legacy/type-1 gasPrice is both, as in geth."""
    if tx_type(tx) >= 2:
        return tx.max_fee_per_gas, tx.max_priority_fee_per_gas
    return tx.gas_price, tx.gas_price


def bumped(new: int, old: int) -> bool:
    """geth's replacement rule for one fee cap: strictly higher and >= old + PRICE_BUMP_PERCENT %."""
    return new > old and new >= old * (100 + PRICE_BUMP_PERCENT) // 100


def effective_tip(tx, base_fee: int) -> int:
    """What the block producer would earn per gas; negative when the fee cap is below the base fee."""
    max_fee, max_tip = fee_caps(tx)
    return min(max_tip, max_fee - base_fee)


def search_gas_limit(passes, used: int, cap: int) -> int:
    """The gas limit `eth_estimateGas` answers: the lowest limit (within 1.5 %, as geth) at which
    `passes(limit)` holds, given that the call passed at `cap` using `used` gas before refunds.

    A call that forwards its gas to another (deliverCompute to the consumer's callback) needs more
    than `used` under the 63/64 rule. As geth, first try an optimistic limit that covers one level
    of it; only if that fails, grow from there, then search between the last failure and the
    first success. A deliverCompute estimate now runs about three executions instead of six to
    eight, and the devnet's CPU per delivery is what bounds the node's on-chain benchmark.
    """
    lo, hi = used - 1, cap
    g = min(cap, (used + 2300) * 64 // 63)
    while g < cap:
        if passes(g):
            hi = g
            break
        lo = g
        g = min(cap, g + max(g // 64 + 2300, 1000))
    while hi - lo > max(1000, hi * 15 // 1000):
        mid = (lo + hi) // 2
        if passes(mid):
            hi = mid
        else:
            lo = mid
    return hi


class ChainBase:
    backend = "?"

    def __init__(self, chain_id: int, keys, balance: int, gas_limit: int):
        self.lock = threading.RLock()
        self.chain_id = chain_id
        self.keys = [eth_keys.PrivateKey(bytes.fromhex(k[2:] if k.startswith("0x") else k)) for k in (keys or DEFAULT_KEYS)]
        self.accounts = [k.public_key.to_canonical_address() for k in self.keys]
        self.key_by_addr = dict(zip(self.accounts, self.keys))
        self.balance = balance
        self.gas_limit = gas_limit
        self.automine = True
        # time: block timestamps are max(wall clock + time_offset, parent + 1, a pending evm_increaseTime
        # floor); time_offset only moves by evm_increaseTime / evm_setNextBlockTimestamp, so blocks
        # mined faster than one a second run ahead only until the clock catches up again
        self.time_offset = 0
        self.next_timestamp: int | None = None
        self.increase_floor = 0  # sum of evm_increaseTime since the last block
        self.tx_index: dict[bytes, TxInfo] = {}
        self.blocks: dict[int, BlockExtras] = {}
        self.pending: list = []  # txs applied to the pending block (automine off)
        # geth-like transaction pool, off while min_tip == 0: valid transactions that pay less than
        # min_tip (or less than the base fee) wait here instead of being applied, so that a client's
        # "stuck transaction -> fee bump -> replacement" logic can be exercised
        self.min_tip = 0
        self.pool: dict[tuple[bytes, int], object] = {}  # (sender, nonce) -> signed tx
        self.snapshots: dict[int, tuple] = {}
        self._snap_id = 0
        self._head_n = 0

    # ------------------------------------------------------------------ blocks
    @property
    def head_number(self) -> int:
        return self._head_n

    def block_by_number(self, n: int):
        ex = self.blocks.get(n)
        return ex.block if ex else None

    def resolve_tag(self, tag) -> int | str:
        """'latest'/'pending'/'earliest'/'safe'/'finalized' or int -> int or 'pending'."""
        if tag is None or tag in ("latest", "safe", "finalized"):
            return self.head_number
        if tag == "earliest":
            return 0
        if tag == "pending":
            return "pending"
        return tag

    # ------------------------------------------------------------------ time
    def _now(self) -> int:
        return int(time.time()) + self.time_offset

    def _next_block_timestamp(self) -> int:
        parent_ts = self.blocks[self.head_number].block.header.timestamp
        if self.next_timestamp is not None:
            return max(self.next_timestamp, parent_ts + 1)
        return max(self._now(), parent_ts + max(1, self.increase_floor))

    def _after_mine(self, ts: int):
        if self.next_timestamp is not None:
            # later blocks continue from the chosen time (like anvil)
            self.time_offset = ts - int(time.time())
            self.next_timestamp = None
        self.increase_floor = 0

    def increase_time(self, seconds: int) -> int:
        # the next block is >= `seconds` past the latest one even while blocks run ahead of the clock
        self.time_offset += int(seconds)
        self.increase_floor += int(seconds)
        return self.time_offset

    def set_next_timestamp(self, ts: int):
        parent_ts = self.blocks[self.head_number].block.header.timestamp
        if ts <= parent_ts:
            raise RPCError(-32000, f"timestamp {ts} must be greater than the latest block's {parent_ts}")
        self.next_timestamp = int(ts)

    def _time_state(self):
        return (self.time_offset, self.next_timestamp, self.increase_floor)

    def _restore_time(self, st):
        self.time_offset, self.next_timestamp, self.increase_floor = st

    # ------------------------------------------------------------------ transactions
    def decode_raw(self, raw: bytes):
        try:
            return TX_BUILDER.decode(raw)
        except Exception as e:
            raise RPCError(-32602, f"invalid raw transaction: {type(e).__name__}: {str(e)[:200]}")

    def send_raw(self, raw: bytes) -> bytes:
        return self.submit(self.decode_raw(raw))

    def submit(self, tx) -> bytes:
        if tx_type(tx) == 3:
            raise RPCError(-32000, "blob transactions are not supported")
        cid = getattr(tx, "chain_id", None)
        if cid is None or cid != self.chain_id:
            raise RPCError(-32000, f"invalid chain id {cid} (this chain is {self.chain_id}; pre-EIP-155 transactions are refused)")
        try:
            sender = tx.sender
        except Exception as e:
            raise RPCError(-32000, f"invalid sender: {e}")
        if tx.hash in self.tx_index:
            raise RPCError(-32000, "already known")
        nonce = self.pending_nonce(sender)
        if tx.nonce < nonce:
            raise RPCError(-32000, f"nonce too low: address 0x{sender.hex()}, tx: {tx.nonce} state: {nonce}")
        if tx.nonce > nonce:
            raise RPCError(-32000, f"nonce too high: address 0x{sender.hex()}, tx: {tx.nonce} state: {nonce}")
        max_price = tx.max_fee_per_gas if tx_type(tx) >= 2 else tx.gas_price
        cost = tx.gas * max_price + tx.value
        bal = self.pending_balance(sender)
        if bal < cost:
            raise RPCError(-32000, f"insufficient funds for gas * price + value: address 0x{sender.hex()} have {bal} want {cost}")
        if tx.gas < tx.intrinsic_gas:
            raise RPCError(-32000, f"intrinsic gas too low: have {tx.gas}, want {tx.intrinsic_gas}")
        if tx.gas > self.gas_limit:
            raise RPCError(-32000, "exceeds block gas limit")
        self._check_replacement(sender, tx)
        if self._qualifies(tx) and tx.gas > self.pending_gas_left() and self.pending:
            # the pending block is full: seal it now and start the next one (a node would keep the
            # transaction for the next block; refusing it, as before, broke clients' nonce tracking)
            self.mine()
        if self._qualifies(tx):
            self._forget_pooled(sender, tx.nonce)
            self._apply(tx)
        elif self.min_tip > 0:
            # accepted but underpriced for inclusion: it waits (geth answers with the hash too)
            self._forget_pooled(sender, tx.nonce)
            self._add_to_pool(sender, tx)
        else:  # pool off: refused
            max_fee = fee_caps(tx)[0]
            raise RPCError(-32000, f"max fee per gas less than block base fee: maxFeePerGas: {max_fee} baseFee: {self.pending_base_fee}")
        if self.automine and self.pending:
            self.mine()
        return tx.hash

    # ------------------------------------------------------------------ transaction pool
    def _qualifies(self, tx) -> bool:
        """May the pending block take it? Fee cap >= base fee, and tip >= min_tip (pool on)."""
        base_fee = self.pending_base_fee
        if fee_caps(tx)[0] < base_fee:
            return False
        return self.min_tip == 0 or effective_tip(tx, base_fee) >= self.min_tip

    def _check_replacement(self, sender: bytes, tx):
        """Like geth's default price bump: a replacement must raise both fee caps by >= 10 %."""
        old = self.pool.get((sender, tx.nonce))
        if old is None:
            return
        if not all(bumped(new, prev) for new, prev in zip(fee_caps(tx), fee_caps(old))):
            raise RPCError(-32000, "replacement transaction underpriced")

    def _add_to_pool(self, sender: bytes, tx):
        self.pool[(sender, tx.nonce)] = tx
        self.tx_index[tx.hash] = TxInfo(tx, None, -1)  # visible by hash, no block, no receipt

    def _forget_pooled(self, sender: bytes, nonce: int):
        """Drop a pooled transaction (replaced, stale or invalid): it is then unknown by hash."""
        old = self.pool.pop((sender, nonce), None)
        if old is not None:
            self.tx_index.pop(old.hash, None)

    def _promote_pool(self):
        """Apply the pooled transactions that now qualify, in nonce order per sender."""
        for sender, nonce in sorted(self.pool):
            tx = self.pool[(sender, nonce)]
            next_nonce = self.pending_nonce(sender)
            if nonce < next_nonce:  # its nonce got used meanwhile: it can never be mined
                self._forget_pooled(sender, nonce)
                continue
            if nonce > next_nonce or not self._qualifies(tx) or tx.gas > self.pending_gas_left():
                continue  # not yet; a later block may take it
            self._forget_pooled(sender, nonce)
            try:
                self._apply(tx)
            except RPCError:
                pass  # e.g. the balance no longer covers it: dropped, as geth drops invalid ones

    def set_min_tip(self, wei: int):
        """Change the pool's threshold; transactions it now admits join the pending block at once."""
        if wei < 0:
            raise RPCError(-32602, "min tip must be >= 0")
        self.min_tip = int(wei)
        self._promote_pool()
        if self.automine and self.pending:
            self.mine()

    def sign_and_submit(self, params: dict) -> bytes:
        """eth_sendTransaction for the prefunded (unlocked) accounts."""
        sender = params["from"]
        key = self.key_by_addr.get(sender)
        if key is None:
            raise RPCError(-32000, "unknown account (only the devnet's prefunded accounts are unlocked)")
        nonce = params.get("nonce")
        if nonce is None:
            nonce = self.pending_nonce(sender)
        gas = params.get("gas")
        if gas is None:
            gas = self.estimate_gas(params, "pending")
        common = dict(nonce=nonce, gas=gas, to=params.get("to") or b"", value=params.get("value", 0),
                      data=params.get("data", b""))
        if "gasPrice" in params and "maxFeePerGas" not in params:
            utx = TX_BUILDER.create_unsigned_transaction(gas_price=params["gasPrice"], **common)
            tx = utx.as_signed_transaction(key, chain_id=self.chain_id)
        else:
            base = self.pending_base_fee
            tip = params.get("maxPriorityFeePerGas", 10**9)
            utx = TX_BUILDER.new_unsigned_dynamic_fee_transaction(
                chain_id=self.chain_id, max_priority_fee_per_gas=tip,
                max_fee_per_gas=params.get("maxFeePerGas", 2 * base + tip), access_list=(), **common)
            tx = utx.as_signed_transaction(key)
        return self.submit(tx)

    # ------------------------------------------------------------------ logs
    def get_logs(self, from_block: int, to_block: int, addresses, topics, block_hash=None):
        if block_hash is not None:
            b = self.block_by_hash(block_hash)
            if b is None:
                raise RPCError(-32000, "unknown block")
            from_block = to_block = b.number
        to_block = min(to_block, self.head_number)
        out = []
        addrset = set(addresses) if addresses else None
        for n in range(max(0, from_block), to_block + 1):
            for lg in self.blocks[n].logs:
                if addrset is not None and lg["address"] not in addrset:
                    continue
                ok = True
                for i, want in enumerate(topics or []):
                    if want is None:
                        continue
                    if i >= len(lg["topics"]) or lg["topics"][i] not in want:
                        ok = False
                        break
                if ok:
                    out.append(lg)
        return out

    def _drop_blocks_above(self, n: int):
        """Forget blocks above n and every transaction not in the kept blocks (reorg / revert)."""
        for k in [k for k in self.blocks if k > n]:
            del self.blocks[k]
        self._head_n = n
        for h in [h for h, info in self.tx_index.items() if info.block_number is None or info.block_number > n]:
            del self.tx_index[h]
        self.pending = []
        self.pool = {}  # pooled transactions were validated against the abandoned state (their hashes went above)

    # ------------------------------------------------------------------ backend hooks
    # pending_base_fee (property), pending_nonce(addr), pending_balance(addr), pending_gas_left(),
    # _apply(tx), mine(timestamp=None), block_by_hash(h), pending_block(), call(params, tag),
    # estimate_gas(params, tag), get_balance/get_nonce/get_code/get_storage(addr, [slot], tag),
    # set_balance(addr, wei), snapshot() -> id, revert(id) -> bool, _prepare_pending_timestamp()
