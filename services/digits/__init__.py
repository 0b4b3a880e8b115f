"""The digit-drawing image service of the prompt-to-nft example (python -m services.digits)."""
