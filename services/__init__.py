"""Infernet inference services (Python): ONNX and Torch, speaking the container protocol."""
