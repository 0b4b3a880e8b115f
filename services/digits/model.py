"""A small conditional image generator: "draw a 7" draws a 7.

Trained when the service starts (well under a second) on scikit-learn's digits data set (1,797
hand-written digits, 8x8 pixels, 0..16 ink): for each digit, a probabilistic PCA - the mean image
and the top principal components with their variances. Drawing a digit samples a point in that
digit's component space (a Gaussian with the learned variances, scaled by `temperature`) and maps
it back to pixels, so every seed gives a different hand-written-looking digit of the class asked
for. The 8x8 result is scaled up (bilinear) to 64x64 and written as a greyscale PNG.
"""
from __future__ import annotations

import re
import struct
import zlib

import numpy as np

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
SIZE = 64


def digit_in(prompt: str) -> int | None:
    """The digit a prompt asks for: the first 0-9 or number word in it, else None."""
    match = re.search(r"\b(" + "|".join(WORDS) + r")\b|(\d)", prompt.lower())
    if match is None:
        return None
    return WORDS.index(match.group(1)) if match.group(1) else int(match.group(2))


class DigitGenerator:
    def __init__(self, components: int = 10) -> None:
        from sklearn.datasets import load_digits
        from sklearn.decomposition import PCA
        digits = load_digits()
        self.classes: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for digit in range(10):
            images = digits.data[digits.target == digit]
            pca = PCA(n_components=components, random_state=0).fit(images)
            self.classes[digit] = (pca.mean_, pca.components_, np.sqrt(pca.explained_variance_))

    def draw(self, digit: int, seed: int, temperature: float = 0.6) -> np.ndarray:
        """An 8x8 image (0..16 ink) of `digit`."""
        mean, components, scale = self.classes[digit]
        z = np.random.default_rng(seed).standard_normal(len(scale)) * scale * temperature
        return np.clip(mean + z @ components, 0, 16).reshape(8, 8)


def upscale(image: np.ndarray, size: int = SIZE) -> np.ndarray:
    """Bilinear resize of a small image to size x size."""
    n = image.shape[0]
    coords = (np.arange(size) + 0.5) * n / size - 0.5
    coords = np.clip(coords, 0, n - 1)
    low = np.floor(coords).astype(int)
    high = np.minimum(low + 1, n - 1)
    frac = coords - low
    rows = image[low] * (1 - frac)[:, None] + image[high] * frac[:, None]
    return rows[:, low] * (1 - frac)[None, :] + rows[:, high] * frac[None, :]


def png(image: np.ndarray) -> bytes:
    """A greyscale 8-bit PNG of an image of ink 0..16 (dark ink on white paper)."""
    pixels = (255 - np.clip(image, 0, 16) * (255 / 16)).round().astype(np.uint8)
    height, width = pixels.shape
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def read_png(data: bytes) -> np.ndarray:
    """The pixels of a greyscale 8-bit PNG as written by `png` (checks signature and CRCs)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if zlib.crc32(kind + body) != crc:
            raise ValueError(f"bad CRC in {kind!r}")
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            if (depth, colour) != (8, 0):
                raise ValueError("not an 8-bit greyscale PNG")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows = [raw[r * (width + 1):(r + 1) * (width + 1)] for r in range(height)]
    if any(row[0] != 0 for row in rows):
        raise ValueError("unsupported PNG filter")
    return np.array([list(row[1:]) for row in rows], dtype=np.uint8)
