"""The eth_estimateGas search both devnet backends share (devnet.chainbase.search_gas_limit)."""
import pytest

from devnet.chainbase import search_gas_limit


def counted(need):
    calls = []

    def passes(limit):
        calls.append(limit)
        return limit >= need
    return passes, calls


@pytest.mark.parametrize("used, need", [
    (21_000, 21_000),                    # a plain transfer: the optimistic limit passes
    (340_000, 340_000 * 64 // 63 + 400),  # one call forwarding its gas (deliverCompute)
    (340_000, 370_000),                  # deeper nesting: grows past the optimistic limit
    (340_000, 2_000_000),                # far above: grows, then searches
])
def test_the_answer_passes_and_is_within_one_and_a_half_percent(used, need):
    passes, calls = counted(need)
    limit = search_gas_limit(passes, used, cap=30_000_000)
    assert limit >= need
    assert limit <= max(need + 1000, need * 1.015 + 1)
    assert passes(limit)


def test_a_call_forwarding_its_gas_takes_few_executions():
    # deliverCompute: the 63/64 rule needs about used * 64/63; the old search tried `used` first,
    # then grew and searched to within 1,000 gas (6-8 executions)
    used = 340_000
    passes, calls = counted(used * 64 // 63 + 400)
    search_gas_limit(passes, used, cap=30_000_000)
    assert len(calls) <= 3, calls


def test_a_call_that_needs_the_cap_gets_the_cap():
    passes, _ = counted(30_000_000)
    assert search_gas_limit(passes, 29_000_000, cap=30_000_000) == 30_000_000
