# Shortcuts for the scripts in scripts/ (each works on its own too).
.PHONY: demo test run node-bench

demo:  ## on-chain demo: devnet + node + one CallbackConsumer request, result printed
	bash scripts/demo.sh

test:  ## every test suite (Swift and Python)
	bash scripts/test.sh

run:   ## the node on the default config, one job, then keeps running
	bash scripts/run.sh

node-bench:  ## the node on chain against its own devnet (release build)
	venv=$$(bash scripts/setup.sh | tail -1) && swift build -c release && $$venv/bin/python -m devnet.node_bench

.PHONY: examples
examples:  ## the Infernet tutorials as runnable examples (examples/*/run.sh)
	@echo "The Infernet tutorials, each one command (devnet + Vyper consumer + node + REST and on-chain request):"
	@for n in hello-world onnx-iris torch-iris gpt4 tgi-llm prompt-to-nft; do \
	  printf '  bash examples/%-22s %s\n' "$$n/run.sh" "$$(sed -n 2p examples/$$n/run.sh | sed 's/^# //')"; done
	@echo "Walk-throughs: examples/README.md and examples/<name>/README.md; tests: bash scripts/test-examples.sh"
