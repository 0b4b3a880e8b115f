"""EZKL proof service: Halo2 proofs of ONNX inference (see service.py, artifacts.py, agent.py)."""
