"""The py-evm execution backend: a py-evm MiningChain with the bookkeeping a JSON-RPC server needs.

Shared logic (tags, time, transaction pool, logs) lives in `devnet.chainbase`; the faster pyrevm
backend is `devnet.revm_chain`. All public methods must be called with `DevChain.lock` held.
"""
from __future__ import annotations

import os
import time

import rlp
from eth.chains.base import MiningChain
from eth.constants import BLANK_ROOT_HASH, GENESIS_PARENT_HASH, ZERO_ADDRESS
from eth.db.atomic import AtomicDB
from eth.exceptions import Revert
from eth.vm.forks.prague import PragueVM
from eth.vm.spoof import SpoofTransaction
from eth_utils import keccak

from .chainbase import (CALL_GAS_CAP, DEFAULT_BALANCE, DEFAULT_CHAIN_ID, DEFAULT_KEYS, GAS_LIMIT,  # noqa: F401
                        INITIAL_BASE_FEE, BlockExtras, ChainBase, RPCError, TxInfo, bumped, effective_gas_price,
                        effective_tip, fee_caps, revert_error, search_gas_limit, tx_type)
from .precompile_cache import install as install_precompile_cache

install_precompile_cache()  # BN254 precompiles memoized: pure functions, seconds each in py-evm


class DevChain(ChainBase):
    backend = "pyevm"

    def __init__(self, chain_id: int = DEFAULT_CHAIN_ID, keys=None, balance: int = DEFAULT_BALANCE,
                 gas_limit: int = GAS_LIMIT, genesis_timestamp: int | None = None):
        super().__init__(chain_id, keys, balance, gas_limit)

        class DevnetChain(MiningChain):
            vm_configuration = ((0, PragueVM),)

            def create_header_from_parent(self, parent_header, **header_params):
                header_params["gas_limit"] = parent_header.gas_limit
                return super().create_header_from_parent(parent_header, **header_params)

        DevnetChain.chain_id = chain_id
        genesis_params = {
            "coinbase": ZERO_ADDRESS, "difficulty": 0, "extra_data": b"infernet-devnet",
            "gas_limit": gas_limit, "mix_hash": b"\x00" * 32, "nonce": b"\x00" * 8,
            "receipt_root": BLANK_ROOT_HASH, "timestamp": genesis_timestamp or int(time.time()),
            "transaction_root": BLANK_ROOT_HASH,
        }
        state = {a: {"balance": balance, "nonce": 0, "code": b"", "storage": {}} for a in self.accounts}
        self.chain = DevnetChain.from_genesis(AtomicDB(), genesis_params, state)
        self._record_block(self.chain.get_canonical_block_by_number(0))

    # ------------------------------------------------------------------ pending-state hooks
    @property
    def pending_base_fee(self) -> int:
        return self.chain.header.base_fee_per_gas

    def pending_nonce(self, addr: bytes) -> int:
        return self.chain.get_vm().state.get_nonce(addr)

    def pending_balance(self, addr: bytes) -> int:
        return self.chain.get_vm().state.get_balance(addr)

    def pending_gas_left(self) -> int:
        return self.chain.header.gas_limit - self.chain.header.gas_used

    # ------------------------------------------------------------------ blocks
    def block_by_hash(self, h: bytes):
        try:
            b = self.chain.get_block_by_hash(h)
        except Exception:
            return None
        ex = self.blocks.get(b.number)
        return ex.block if ex and ex.block.hash == h else None

    def pending_block(self):
        return self.chain.get_block()

    def _vm_at(self, tag):
        n = self.resolve_tag(tag)
        if n == "pending":
            return self.chain.get_vm(self.chain.header)
        if n > self.head_number or n < 0:
            raise RPCError(-32000, "header not found")
        return self.chain.get_vm(self.blocks[n].block.header)

    # ------------------------------------------------------------------ time
    def _prepare_pending_timestamp(self):
        """Set the pending header's timestamp just before its first transaction / mining."""
        if self.pending:
            return
        self.chain.set_header_timestamp(self._next_block_timestamp())

    # ------------------------------------------------------------------ mining
    def mine(self, timestamp: int | None = None):
        if timestamp is not None:
            self.set_next_timestamp(timestamp)
        self._promote_pool()  # every block takes the pooled transactions that pay enough for it
        self._prepare_pending_timestamp()
        block = self.chain.mine_block(mix_hash=os.urandom(32), blob_gas_used=0)
        self._after_mine(block.header.timestamp)
        self.pending = []
        self._record_block(block)
        return block

    def _record_block(self, block):
        n = block.number
        ex = BlockExtras(block=block)
        receipts = block.get_receipts(self.chain.chaindb)
        base_fee = getattr(block.header, "base_fee_per_gas", 0) or 0
        log_index = 0
        prev_cum = 0
        for i, (tx, r) in enumerate(zip(block.transactions, receipts)):
            self.tx_index[tx.hash] = TxInfo(tx, n, i)
            contract = None
            if tx.to == b"":
                contract = keccak(rlp.encode([tx.sender, tx.nonce]))[12:]
            logs = []
            for lg in r.logs:
                logs.append({"address": lg.address, "topics": [t.to_bytes(32, "big") for t in lg.topics],
                             "data": lg.data, "blockNumber": n, "blockHash": block.hash, "transactionHash": tx.hash,
                             "transactionIndex": i, "logIndex": log_index, "removed": False})
                log_index += 1
            ex.logs.extend(logs)
            ex.receipts.append({
                "transactionHash": tx.hash, "transactionIndex": i, "blockHash": block.hash, "blockNumber": n,
                "from": tx.sender, "to": tx.to or None, "cumulativeGasUsed": r.gas_used,
                "gasUsed": r.gas_used - prev_cum, "effectiveGasPrice": effective_gas_price(tx, base_fee),
                "contractAddress": contract, "logs": logs, "logsBloom": r.bloom.to_bytes(256, "big"),
                "status": int.from_bytes(r.state_root, "big") if len(r.state_root) <= 1 else 1,
                "type": tx_type(tx),
            })
            prev_cum = r.gas_used
        self.blocks[n] = ex
        self._head_n = n

    # ------------------------------------------------------------------ transactions
    def _apply(self, tx):
        """Apply a validated transaction to the pending block."""
        self._prepare_pending_timestamp()
        try:
            self.chain.apply_transaction(tx)
        except Exception as e:
            # refused by py-evm validation: the pending block is unchanged
            raise RPCError(-32000, f"transaction rejected: {str(e)[:300]}")
        self.pending.append(tx)
        self.tx_index[tx.hash] = TxInfo(tx, None, len(self.pending) - 1)

    # ------------------------------------------------------------------ calls
    def _spoof(self, vm, params: dict, gas: int):
        sender = params.get("from") or ZERO_ADDRESS
        b = vm.get_transaction_builder()
        utx = b.new_unsigned_dynamic_fee_transaction(
            chain_id=self.chain_id, nonce=vm.state.get_nonce(sender), max_fee_per_gas=0, max_priority_fee_per_gas=0,
            gas=gas, to=params.get("to") or b"", value=params.get("value", 0), data=params.get("data", b""),
            access_list=())
        return SpoofTransaction(utx, from_=sender)

    def _execute(self, vm, params: dict, gas: int):
        state = vm.state
        tx = self._spoof(vm, params, gas)
        snap = state.snapshot()
        try:
            ex = state.get_transaction_executor()
            msg = ex.build_evm_message(tx)
            comp = ex.build_computation(msg, tx)
        finally:
            state.revert(snap)
        return tx, comp

    def call(self, params: dict, tag="latest") -> bytes:
        vm = self._vm_at(tag)
        gas = params.get("gas") or CALL_GAS_CAP
        _, comp = self._execute(vm, params, gas)
        if comp.is_error:
            if isinstance(comp.error, Revert):
                raise revert_error(comp.output)
            raise RPCError(-32000, f"execution failed: {type(comp.error).__name__} {str(comp.error)[:200]}")
        return comp.output

    def estimate_gas(self, params: dict, tag="latest") -> int:
        vm = self._vm_at(tag)
        cap = params.get("gas") or vm.get_header().gas_limit

        def run(g):
            tx, comp = self._execute(self._vm_at(tag), params, g)
            return tx, comp

        tx, comp = run(cap)
        if comp.is_error:
            if isinstance(comp.error, Revert):
                raise revert_error(comp.output)
            raise RPCError(-32000, f"gas required exceeds allowance ({cap}) or always failing transaction: {type(comp.error).__name__}")
        intrinsic = tx.intrinsic_gas
        used = intrinsic + (tx.gas - intrinsic - comp.get_gas_remaining())  # before refunds
        return search_gas_limit(lambda g: not run(g)[1].is_error, used, cap)

    # ------------------------------------------------------------------ state
    def get_balance(self, addr, tag="latest"):
        return self._vm_at(tag).state.get_balance(addr)

    def get_nonce(self, addr, tag="latest"):
        return self._vm_at(tag).state.get_nonce(addr)

    def get_code(self, addr, tag="latest"):
        return self._vm_at(tag).state.get_code(addr)

    def get_storage(self, addr, slot, tag="latest"):
        return self._vm_at(tag).state.get_storage(addr, slot)

    def set_balance(self, addr, value: int):
        vm = self.chain.get_vm(self.chain.header)
        vm.state.set_balance(addr, value)
        vm.state.persist()
        self.chain.header = self.chain.header.copy(state_root=vm.state.state_root)
        if self.automine and not self.pending:
            self.mine()

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> int:
        self._snap_id += 1
        head = self.blocks[self.head_number].block
        self.snapshots[self._snap_id] = (head.header, self._time_state())
        return self._snap_id

    def revert(self, snap_id: int) -> bool:
        if snap_id not in self.snapshots:
            return False
        header, time_state = self.snapshots[snap_id]
        # like ganache/anvil: a snapshot can be reverted to once; later snapshots die with it
        for k in [k for k in self.snapshots if k >= snap_id]:
            del self.snapshots[k]
        chaindb = self.chain.chaindb
        chaindb._set_as_canonical_chain_head(chaindb.db, header, GENESIS_PARENT_HASH)
        self.chain.header = self.chain.create_header_from_parent(header)
        self._drop_blocks_above(header.block_number)
        self._restore_time(time_state)
        return True
