"""Shared pieces of the Python services: vectors, model ids, model sources, HTTP scaffolding."""
