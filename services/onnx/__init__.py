"""ONNX inference service (container protocol). Run: `python -m services.onnx`."""
