"""Torch inference service (with scikit-learn models). Run: `python -m services.torch`."""
