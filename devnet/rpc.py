"""JSON-RPC method dispatch and spec formatting (hex quantities, camelCase keys)."""
from __future__ import annotations

import time

import rlp
from eth_utils import to_checksum_address

from .chainbase import ChainBase as DevChain, RPCError, effective_gas_price, tx_type

CLIENT_VERSION = "infernet-devnet/0.1.0"  # + "/<backend>"


# ---------------------------------------------------------------- parsing
def q(n) -> str:
    return hex(int(n))


def d(b) -> str:
    return "0x" + bytes(b).hex()


def addr_out(a):
    return to_checksum_address(a) if a else None


def p_quantity(v, name="quantity") -> int:
    if isinstance(v, bool):
        raise RPCError(-32602, f"invalid {name}: {v!r}")
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v[:2] in ("0x", "0X"):
        try:
            return int(v, 16) if len(v) > 2 else 0
        except ValueError:
            pass
    if isinstance(v, str) and v.isdigit():
        return int(v)
    raise RPCError(-32602, f"invalid {name}: {v!r}")


def p_data(v, name="data", size=None) -> bytes:
    if not isinstance(v, str) or v[:2] not in ("0x", "0X"):
        raise RPCError(-32602, f"invalid {name}: expected 0x-prefixed hex, got {str(v)[:80]!r}")
    h = v[2:]
    if len(h) % 2:
        h = "0" + h
    try:
        b = bytes.fromhex(h)
    except ValueError:
        raise RPCError(-32602, f"invalid {name}: not hex")
    if size is not None and len(b) != size:
        raise RPCError(-32602, f"invalid {name}: expected {size} bytes, got {len(b)}")
    return b


def p_addr(v, name="address") -> bytes:
    return p_data(v, name, 20)


def p_hash(v, name="hash") -> bytes:
    return p_data(v, name, 32)


def p_tag(v, chain: DevChain, default="latest"):
    if v is None:
        v = default
    if isinstance(v, dict):  # EIP-1898
        if "blockHash" in v:
            b = chain.block_by_hash(p_hash(v["blockHash"]))
            if b is None:
                raise RPCError(-32000, "header not found")
            return b.number
        v = v.get("blockNumber", "latest")
    if v in ("latest", "pending", "earliest", "safe", "finalized"):
        return v
    return p_quantity(v, "block number")


def p_callobj(o) -> dict:
    if not isinstance(o, dict):
        raise RPCError(-32602, "invalid call object")
    out = {}
    if o.get("from"):
        out["from"] = p_addr(o["from"], "from")
    if o.get("to"):
        out["to"] = p_addr(o["to"], "to")
    for k in ("gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value", "nonce"):
        if o.get(k) is not None:
            out[k] = p_quantity(o[k], k)
    data = o.get("input", o.get("data"))
    if data is not None:
        out["data"] = p_data(data, "input")
    return out


# ---------------------------------------------------------------- formatting
def fmt_tx(tx, block=None, index=None):
    t = tx_type(tx)
    out = {
        "type": q(t), "hash": d(tx.hash), "nonce": q(tx.nonce),
        "blockHash": d(block.hash) if block else None,
        "blockNumber": q(block.number) if block else None,
        "transactionIndex": q(index) if block else None,
        "from": addr_out(tx.sender), "to": addr_out(tx.to) if tx.to else None,
        "value": q(tx.value), "gas": q(tx.gas), "input": d(tx.data),
    }
    if t >= 2:
        base = block.header.base_fee_per_gas if block else None
        out["maxFeePerGas"] = q(tx.max_fee_per_gas)
        out["maxPriorityFeePerGas"] = q(tx.max_priority_fee_per_gas)
        out["gasPrice"] = q(effective_gas_price(tx, base) if block else tx.max_fee_per_gas)
    else:
        out["gasPrice"] = q(tx.gas_price)
    if t >= 1:
        out["chainId"] = q(tx.chain_id)
        out["accessList"] = [{"address": addr_out(a), "storageKeys": [d(k.to_bytes(32, "big")) if isinstance(k, int) else d(k) for k in keys]}
                             for a, keys in (tx.access_list or ())]
        out["v"] = q(tx.y_parity)
        out["yParity"] = q(tx.y_parity)
    else:
        out["v"] = q(tx.v)
        if tx.chain_id is not None:
            out["chainId"] = q(tx.chain_id)
    out["r"] = q(tx.r)
    out["s"] = q(tx.s)
    return out


def fmt_block(block, full: bool, pending=False):
    h = block.header
    out = {
        "number": q(h.block_number),
        "hash": None if pending else d(h.hash),
        "parentHash": d(h.parent_hash),
        "nonce": d(h.nonce),
        "mixHash": d(h.mix_hash),
        "sha3Uncles": d(h.uncles_hash),
        "logsBloom": d(h.bloom.to_bytes(256, "big")),
        "transactionsRoot": d(h.transaction_root),
        "stateRoot": d(h.state_root),
        "receiptsRoot": d(h.receipt_root),
        "miner": addr_out(h.coinbase),
        "difficulty": q(h.difficulty),
        "totalDifficulty": q(h.difficulty),
        "extraData": d(h.extra_data),
        "size": q(getattr(block, "size", None) or len(rlp.encode(block))),
        "gasLimit": q(h.gas_limit),
        "gasUsed": q(h.gas_used),
        "timestamp": q(h.timestamp),
        "baseFeePerGas": q(h.base_fee_per_gas),
        "uncles": [],
    }
    for attr, key in (("withdrawals_root", "withdrawalsRoot"), ("parent_beacon_block_root", "parentBeaconBlockRoot"),
                      ("requests_hash", "requestsHash")):
        v = getattr(h, attr, None)
        if v is not None:
            out[key] = d(v)
    for attr, key in (("blob_gas_used", "blobGasUsed"), ("excess_blob_gas", "excessBlobGas")):
        v = getattr(h, attr, None)
        if v is not None:
            out[key] = q(v)
    if getattr(h, "withdrawals_root", None) is not None:
        out["withdrawals"] = []
    if full:
        out["transactions"] = [fmt_tx(tx, None if pending else block, i) for i, tx in enumerate(block.transactions)]
    else:
        out["transactions"] = [d(tx.hash) for tx in block.transactions]
    return out


def fmt_log(lg):
    return {
        "address": addr_out(lg["address"]), "topics": [d(t) for t in lg["topics"]], "data": d(lg["data"]),
        "blockNumber": q(lg["blockNumber"]), "blockHash": d(lg["blockHash"]),
        "transactionHash": d(lg["transactionHash"]), "transactionIndex": q(lg["transactionIndex"]),
        "logIndex": q(lg["logIndex"]), "removed": False,
    }


def fmt_receipt(r):
    return {
        "transactionHash": d(r["transactionHash"]), "transactionIndex": q(r["transactionIndex"]),
        "blockHash": d(r["blockHash"]), "blockNumber": q(r["blockNumber"]),
        "from": addr_out(r["from"]), "to": addr_out(r["to"]) if r["to"] else None,
        "cumulativeGasUsed": q(r["cumulativeGasUsed"]), "gasUsed": q(r["gasUsed"]),
        "effectiveGasPrice": q(r["effectiveGasPrice"]),
        "contractAddress": addr_out(r["contractAddress"]) if r["contractAddress"] else None,
        "logs": [fmt_log(lg) for lg in r["logs"]], "logsBloom": d(r["logsBloom"]),
        "status": q(r["status"]), "type": q(r["type"]),
    }


# ---------------------------------------------------------------- methods
class Methods:
    """Each `m_<name>` handles JSON-RPC method <name>; params are the raw JSON list."""

    def __init__(self, chain: DevChain, server=None):
        self.chain = chain
        self.server = server  # for fault control; may be None in-process

    def dispatch(self, method: str, params):
        if not isinstance(method, str):
            raise RPCError(-32600, "invalid request: method must be a string")
        fn = getattr(self, "m_" + method, None)
        if fn is None:
            raise RPCError(-32601, f"the method {method} does not exist/is not available")
        if params is None:
            params = []
        if isinstance(params, dict):
            params = [params]
        if not isinstance(params, list):
            raise RPCError(-32602, "params must be an array")
        with self.chain.lock:
            try:
                return fn(*params)
            except TypeError as e:
                if "positional argument" in str(e) or "takes" in str(e):
                    raise RPCError(-32602, f"invalid params for {method}: {e}")
                raise

    # --- meta
    def m_web3_clientVersion(self):
        return f"{CLIENT_VERSION}/{self.chain.backend}"

    def m_eth_chainId(self):
        return q(self.chain.chain_id)

    def m_net_version(self):
        return str(self.chain.chain_id)

    def m_net_listening(self):
        return True

    def m_net_peerCount(self):
        return "0x0"

    def m_eth_syncing(self):
        return False

    def m_eth_mining(self):
        return self.chain.automine

    def m_eth_accounts(self):
        return [addr_out(a) for a in self.chain.accounts]

    def m_eth_coinbase(self):
        return addr_out(b"\x00" * 20)

    def m_eth_blockNumber(self):
        return q(self.chain.head_number)

    def m_eth_gasPrice(self):
        return q(self.chain.pending_base_fee + 10**9)

    def m_eth_maxPriorityFeePerGas(self):
        return q(10**9)

    def m_eth_feeHistory(self, count, newest="latest", percentiles=None):
        c = p_quantity(count, "blockCount")
        if not 1 <= c <= 1024:
            raise RPCError(-32602, "blockCount must be between 1 and 1024")
        tag = p_tag(newest, self.chain)
        n = self.chain.resolve_tag(tag)
        if n == "pending":
            n = self.chain.head_number
        if n > self.chain.head_number:
            raise RPCError(-32000, "requested block is in the future")
        oldest = max(0, n - c + 1)
        base, ratio, reward = [], [], []
        pcts = percentiles or []
        for i in range(oldest, n + 1):
            b = self.chain.blocks[i].block
            base.append(q(b.header.base_fee_per_gas))
            ratio.append(b.header.gas_used / b.header.gas_limit)
            tips = sorted(effective_gas_price(tx, b.header.base_fee_per_gas) - b.header.base_fee_per_gas
                          for tx in b.transactions)
            reward.append([q(tips[min(len(tips) - 1, int(len(tips) * p / 100))] if tips else 0) for p in pcts])
        # next block's base fee
        if n == self.chain.head_number:
            base.append(q(self.chain.pending_base_fee))
        else:
            base.append(q(self.chain.blocks[n + 1].block.header.base_fee_per_gas))
        out = {"oldestBlock": q(oldest), "baseFeePerGas": base, "gasUsedRatio": ratio}
        if percentiles is not None:
            out["reward"] = reward
        return out

    # --- blocks
    def _block(self, tag, full):
        t = p_tag(tag, self.chain)
        n = self.chain.resolve_tag(t)
        if n == "pending":
            return fmt_block(self.chain.pending_block(), bool(full), pending=True)
        b = self.chain.block_by_number(n)
        return fmt_block(b, bool(full)) if b is not None else None

    def m_eth_getBlockByNumber(self, tag, full=False):
        return self._block(tag, full)

    def m_eth_getBlockByHash(self, h, full=False):
        b = self.chain.block_by_hash(p_hash(h))
        return fmt_block(b, bool(full)) if b is not None else None

    def m_eth_getBlockTransactionCountByNumber(self, tag):
        b = self._block(tag, False)
        return q(len(b["transactions"])) if b else None

    def m_eth_getBlockTransactionCountByHash(self, h):
        b = self.chain.block_by_hash(p_hash(h))
        return q(len(b.transactions)) if b else None

    # --- state
    def m_eth_getBalance(self, a, tag="latest"):
        return q(self.chain.get_balance(p_addr(a), p_tag(tag, self.chain)))

    def m_eth_getTransactionCount(self, a, tag="latest"):
        return q(self.chain.get_nonce(p_addr(a), p_tag(tag, self.chain)))

    def m_eth_getCode(self, a, tag="latest"):
        return d(self.chain.get_code(p_addr(a), p_tag(tag, self.chain)))

    def m_eth_getStorageAt(self, a, slot, tag="latest"):
        v = self.chain.get_storage(p_addr(a), p_quantity(slot, "slot"), p_tag(tag, self.chain))
        return d(v.to_bytes(32, "big"))

    def m_eth_call(self, obj, tag="latest", overrides=None):
        return d(self.chain.call(p_callobj(obj), p_tag(tag, self.chain)))

    def m_eth_estimateGas(self, obj, tag="latest"):
        return q(self.chain.estimate_gas(p_callobj(obj), p_tag(tag, self.chain)))

    # --- transactions
    def m_eth_sendRawTransaction(self, raw):
        return d(self.chain.send_raw(p_data(raw, "raw transaction")))

    def m_eth_sendTransaction(self, obj):
        p = p_callobj(obj)
        if "from" not in p:
            raise RPCError(-32602, "from is required")
        return d(self.chain.sign_and_submit(p))

    def m_eth_getTransactionByHash(self, h):
        info = self.chain.tx_index.get(p_hash(h))
        if info is None:
            return None
        if info.block_number is None:
            return fmt_tx(info.tx)
        return fmt_tx(info.tx, self.chain.blocks[info.block_number].block, info.index)

    def m_eth_getTransactionByBlockNumberAndIndex(self, tag, idx):
        n = self.chain.resolve_tag(p_tag(tag, self.chain))
        b = self.chain.block_by_number(n) if n != "pending" else None
        i = p_quantity(idx)
        return fmt_tx(b.transactions[i], b, i) if b and i < len(b.transactions) else None

    def m_eth_getTransactionReceipt(self, h):
        info = self.chain.tx_index.get(p_hash(h))
        if info is None or info.block_number is None:
            return None
        return fmt_receipt(self.chain.blocks[info.block_number].receipts[info.index])

    def m_eth_getBlockReceipts(self, tag):
        t = p_tag(tag, self.chain)
        n = self.chain.resolve_tag(t)
        ex = self.chain.blocks.get(n) if n != "pending" else None
        return [fmt_receipt(r) for r in ex.receipts] if ex else None

    # --- logs
    def m_eth_getLogs(self, f=None):
        f = f or {}
        if not isinstance(f, dict):
            raise RPCError(-32602, "filter must be an object")
        addrs = f.get("address")
        if addrs is not None:
            addrs = [p_addr(a) for a in (addrs if isinstance(addrs, list) else [addrs])]
        topics = []
        for t in f.get("topics") or []:
            if t is None:
                topics.append(None)
            elif isinstance(t, list):
                topics.append(None if not t else {p_hash(x, "topic") for x in t})
            else:
                topics.append({p_hash(t, "topic")})
        if f.get("blockHash") is not None:
            if f.get("fromBlock") is not None or f.get("toBlock") is not None:
                raise RPCError(-32602, "cannot specify both blockHash and fromBlock/toBlock")
            logs = self.chain.get_logs(0, 0, addrs, topics, block_hash=p_hash(f["blockHash"], "blockHash"))
        else:
            def num(v):
                n = self.chain.resolve_tag(p_tag(v, self.chain))
                return self.chain.head_number if n == "pending" else n
            fb, tb = num(f.get("fromBlock")), num(f.get("toBlock"))
            if fb > tb and fb <= self.chain.head_number:
                raise RPCError(-32602, "invalid block range params (fromBlock > toBlock)")
            logs = self.chain.get_logs(fb, tb, addrs, topics)
        return [fmt_log(lg) for lg in logs]

    # --- dev methods
    def m_evm_mine(self, ts=None):
        if isinstance(ts, dict):
            ts = ts.get("timestamp")
        self.chain.mine(None if ts is None else p_quantity(ts, "timestamp"))
        return "0x0"

    def m_anvil_mine(self, count=1, interval=None):
        for _ in range(p_quantity(count)):
            if interval is not None:
                self.chain.increase_time(p_quantity(interval))
            self.chain.mine()
        return None

    def m_evm_increaseTime(self, secs):
        return q(self.chain.increase_time(p_quantity(secs, "seconds")))

    def m_evm_setNextBlockTimestamp(self, ts):
        self.chain.set_next_timestamp(p_quantity(ts, "timestamp"))
        return None

    def m_testing_timeTravel(self, ts):
        self.chain.set_next_timestamp(p_quantity(ts, "timestamp"))
        self.chain.mine()
        return True

    def m_evm_setAutomine(self, on):
        if not isinstance(on, bool):
            raise RPCError(-32602, "expected a boolean")
        self.chain.automine = on
        if on and self.chain.pending:
            self.chain.mine()
        return True

    def m_evm_snapshot(self):
        return q(self.chain.snapshot())

    def m_evm_revert(self, sid):
        return self.chain.revert(p_quantity(sid, "snapshot id"))

    def m_devnet_setBalance(self, a, value):
        self.chain.set_balance(p_addr(a), p_quantity(value, "balance"))
        return True

    m_anvil_setBalance = m_devnet_setBalance

    def m_devnet_info(self):
        s = self.server
        return {"chainId": q(self.chain.chain_id), "automine": self.chain.automine,
                "blockTime": getattr(s, "block_time", None), "accounts": self.m_eth_accounts(),
                "addresses": getattr(s, "addresses", None) or {}, "faults": s.faults.as_dict() if s else None,
                "timeOffset": self.chain.time_offset, "minTip": q(self.chain.min_tip),
                "txpoolSize": len(self.chain.pool), "clientVersion": self.m_web3_clientVersion(),
                "backend": self.chain.backend}

    def m_devnet_setMinTip(self, wei):
        self.chain.set_min_tip(p_quantity(wei, "min tip"))
        return True

    def m_devnet_txpool(self):
        """The waiting (pooled) transactions, in the order they would be included."""
        txs = [self.chain.pool[k] for k in sorted(self.chain.pool)]
        return {"minTip": q(self.chain.min_tip), "size": len(txs),
                "transactions": [{"hash": d(tx.hash), "from": addr_out(tx.sender), "nonce": q(tx.nonce)} for tx in txs]}

    def m_devnet_setFaults(self, cfg=None):
        if self.server is None:
            raise RPCError(-32000, "fault mode needs the HTTP server")
        self.server.faults.update(cfg or {})
        return self.server.faults.as_dict()

    def m_devnet_clearFaults(self):
        if self.server is None:
            raise RPCError(-32000, "fault mode needs the HTTP server")
        self.server.faults.update(None)
        return self.server.faults.as_dict()

    def m_devnet_getFaults(self):
        return self.server.faults.as_dict() if self.server else None
