"""Where model files come from, and the in-memory LRU cache of loaded models.

Every model lives in a directory `{cache_dir}/{storage}/{owner}/{name}/{version or "default"}/`
(the layout of infernet-ml's model manager) holding the model files and a manifest
`ritual_manifest.json` whose `file_hashes` maps each file name to its sha256 (hex). Every file a
model id names is checked against the manifest each time the model is loaded; a model with no
manifest, a file missing from it, or a hash mismatch is refused.

- `local`: the directory must already exist (the operator puts it there).
- `huggingface`: files not in the cache are downloaded from `{HF_ENDPOINT}/{owner}/{name}/
  resolve/{version or "main"}/{file}` (token from HF_TOKEN), with the repo's manifest when it has
  one; otherwise a manifest is written from the downloaded files' hashes.
- `arweave`: the repo's latest Ritual manifest transaction (GraphQL on `{ARWEAVE_GATEWAY}`, tags
  App-Name=Ritual, Repo-Name={name}, Type=manifest, owner={owner}) maps file names to
  transactions, whose data is downloaded; each file is checked against its File-SHA256 tag.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable, Generic, Hashable, TypeVar

from .errors import ServiceError, bad_gateway, bad_request, internal, not_found
from .model_id import ModelId, Storage

log = logging.getLogger("infernet.services.sources")

MANIFEST = "ritual_manifest.json"
UNVERSIONED = "default"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_manifest(directory: Path, files: list[str], repo_id: str | None = None) -> Path:
    """Writes `ritual_manifest.json` for `files` in `directory` (a helper for operators/tests)."""
    manifest: dict[str, Any] = {
        "files": list(files),
        "file_hashes": {f: sha256_file(directory / f) for f in files},
    }
    if repo_id:
        manifest["repo_id"] = repo_id
    path = directory / MANIFEST
    path.write_text(json.dumps(manifest, indent=4))
    return path


class ModelStore:
    """Finds (downloading where it must) and verifies a model's files."""

    def __init__(self, cache_dir: str | Path, timeout: float | None = None) -> None:
        self.cache_dir = Path(cache_dir).expanduser()
        self.timeout = float(timeout if timeout is not None else os.getenv("MODEL_DOWNLOAD_TIMEOUT", "30"))
        self.hf_endpoint = os.getenv("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
        self.hf_token = os.getenv("HF_TOKEN") or os.getenv("HUGGING_FACE_HUB_TOKEN")
        self.arweave_gateway = os.getenv("ARWEAVE_GATEWAY", "https://arweave.net").rstrip("/")

    def directory(self, model: ModelId) -> Path:
        return (self.cache_dir / model.storage.name / model.owner / model.name /
                (model.version or UNVERSIONED))

    def fetch(self, model: ModelId) -> list[Path]:
        """The verified paths of the model's files, in the order the id names them."""
        if not model.files:
            raise bad_request(f"model id '{model}' names no file: append ':<file>' "
                              "(e.g. ':model.onnx')")
        directory = self.directory(model)
        if model.storage == Storage.local:
            if not directory.is_dir():
                raise not_found(f"unknown model '{model}': no directory {directory}")
        elif not self._cached(directory, model.files):
            if model.storage == Storage.huggingface:
                self._download_huggingface(model, directory)
            else:
                self._download_arweave(model, directory)
        return self.verify(model, directory)

    def available(self, model: ModelId) -> bool:
        """Cheap check for `/service-resources?model_id=`: no hashing, no network."""
        if not model.files:
            return False
        if model.storage != Storage.local:
            return True  # downloaded on first use
        return self._cached(self.directory(model), model.files)

    def _cached(self, directory: Path, files: tuple[str, ...]) -> bool:
        manifest = directory / MANIFEST
        if not manifest.is_file() or not all((directory / f).is_file() for f in files):
            return False
        try:
            hashes = json.loads(manifest.read_text()).get("file_hashes", {})
        except (OSError, ValueError, AttributeError):
            return False
        return all(f in hashes for f in files)

    def verify(self, model: ModelId, directory: Path) -> list[Path]:
        manifest_path = directory / MANIFEST
        if not manifest_path.is_file():
            raise not_found(f"model '{model}' has no manifest: {manifest_path} is missing")
        try:
            manifest = json.loads(manifest_path.read_text())
            hashes = manifest["file_hashes"]
            if not isinstance(hashes, dict):
                raise TypeError("file_hashes is not an object")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise internal(f"model '{model}': unreadable manifest {manifest_path}: {error}") from None
        paths = []
        for name in model.files:
            path = directory / name
            if not path.is_file():
                raise not_found(f"model '{model}': file '{name}' not found in {directory}")
            expected = hashes.get(name)
            if not isinstance(expected, str):
                raise not_found(f"model '{model}': file '{name}' is not listed in {manifest_path}")
            actual = sha256_file(path)
            if actual.lower() != expected.lower():
                raise ServiceError(500, f"model '{model}': integrity check failed for '{name}': "
                                        f"sha256 {actual}, manifest says {expected}; refusing to load")
            paths.append(path)
        return paths

    # -- remote sources ----------------------------------------------------------------------

    def _get(self, url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> bytes:
        request = urllib.request.Request(url, data=data, headers=headers or {})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            return response.read()

    def _download_huggingface(self, model: ModelId, directory: Path) -> None:
        revision = urllib.parse.quote(model.version or "main", safe="")
        base = f"{self.hf_endpoint}/{model.owner}/{model.name}/resolve/{revision}"
        headers = {"Authorization": f"Bearer {self.hf_token}"} if self.hf_token else {}
        directory.mkdir(parents=True, exist_ok=True)
        manifest: bytes | None = None
        try:
            manifest = self._get(f"{base}/{MANIFEST}", headers)
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise bad_gateway(f"cannot download model '{model}' from Hugging Face "
                                  f"({base}/{MANIFEST}): HTTP {error.code}") from None
        except (urllib.error.URLError, OSError) as error:
            raise bad_gateway(f"cannot download model '{model}' from Hugging Face ({base}): "
                              f"{getattr(error, 'reason', error)}") from None
        for name in model.files:
            url = f"{base}/{urllib.parse.quote(name)}"
            try:
                self._store(directory / name, self._get(url, headers))
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    raise not_found(f"model '{model}': Hugging Face has no file {url}") from None
                raise bad_gateway(f"cannot download {url}: HTTP {error.code}") from None
            except (urllib.error.URLError, OSError) as error:
                raise bad_gateway(f"cannot download {url}: {getattr(error, 'reason', error)}") from None
        if manifest is not None:
            self._store(directory / MANIFEST, manifest)
        else:
            log.warning("model %s has no %s on Hugging Face: recording the downloaded files' "
                        "hashes", model, MANIFEST)
            write_manifest(directory, list(model.files), model.repo_unique_id)

    def _download_arweave(self, model: ModelId, directory: Path) -> None:
        gateway = self.arweave_gateway
        query = """query { transactions(sort: HEIGHT_DESC, owners: %s, tags: [
            {name: "App-Name", values: ["Ritual"]}, {name: "Repo-Name", values: [%s]},
            {name: "Type", values: ["manifest"]}]) {
            edges { node { id tags { name value } } } } }""" % (
            json.dumps([model.owner]), json.dumps(model.name))
        try:
            body = self._get(f"{gateway}/graphql", {"Content-Type": "application/json"},
                             json.dumps({"query": query}).encode())
            edges = json.loads(body)["data"]["transactions"]["edges"]
        except (urllib.error.URLError, OSError) as error:
            raise bad_gateway(f"cannot download model '{model}' from Arweave ({gateway}): "
                              f"{getattr(error, 'reason', error)}") from None
        except (ValueError, KeyError, TypeError) as error:
            raise bad_gateway(f"Arweave gateway {gateway} answered an unexpected body: {error}") from None
        if not edges:
            raise not_found(f"unknown model '{model}': no Ritual repo manifest on Arweave")

        def unix_time(edge: dict) -> float:
            tags = {t["name"]: t["value"] for t in edge["node"].get("tags", [])}
            try:
                return float(tags.get("Unix-Time", 0))
            except ValueError:
                return 0.0

        latest = max(edges, key=unix_time)["node"]["id"]
        try:
            paths = json.loads(self._get(f"{gateway}/{latest}"))["paths"]
        except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
            raise bad_gateway(f"cannot read the Arweave manifest {latest} of '{model}': {error}") from None
        directory.mkdir(parents=True, exist_ok=True)
        hashes = {}
        for name in model.files:
            entry = paths.get(name)
            if not entry:
                raise not_found(f"model '{model}': file '{name}' is not in its Arweave manifest")
            try:
                data = self._get(f"{gateway}/{entry['id']}")
            except (urllib.error.URLError, OSError) as error:
                raise bad_gateway(f"cannot download '{name}' of '{model}' from Arweave: {error}") from None
            self._store(directory / name, data)
            hashes[name] = hashlib.sha256(data).hexdigest()
        (directory / MANIFEST).write_text(json.dumps({
            "files": list(model.files), "file_hashes": hashes,
            "repo_id": model.repo_unique_id, "arweave_manifest": latest}, indent=4))

    @staticmethod
    def _store(path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    def local_models(self, limit: int = 100) -> list[str]:
        """Model ids of the models in the cache directory (for `compute_capability`)."""
        out: list[str] = []
        for manifest in sorted(self.cache_dir.glob(f"*/*/*/*/{MANIFEST}"))[:limit]:
            version_dir = manifest.parent
            storage, owner, name, version = version_dir.relative_to(self.cache_dir).parts
            try:
                files = json.loads(manifest.read_text()).get("file_hashes", {})
                repo = f"{storage}/{owner}/{name}" + ("" if version == UNVERSIONED else f"/{version}")
                out.append(f"{repo}:{','.join(files)}")
            except (OSError, ValueError, AttributeError):
                continue
        return out


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """A thread-safe LRU of loaded models. Concurrent requests for a model being loaded wait
    for that one load. A capacity of 0 caches nothing (every request loads)."""

    def __init__(self, capacity: int, loader: Callable[[K], V]) -> None:
        self.capacity = max(0, int(capacity))
        self.loader = loader
        self._items: OrderedDict[K, V] = OrderedDict()
        self._loading: dict[K, Future] = {}
        self._lock = threading.Lock()
        self.loads = 0
        self.evictions = 0

    def get(self, key: K) -> V:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            future = self._loading.get(key)
            owner = future is None
            if owner:
                future = self._loading[key] = Future()
        if not owner:
            return future.result()
        try:
            value = self.loader(key)
        except BaseException as error:
            with self._lock:
                del self._loading[key]
            future.set_exception(error)
            raise
        with self._lock:
            self.loads += 1
            del self._loading[key]
            if self.capacity:
                self._items[key] = value
                while len(self._items) > self.capacity:
                    self._items.popitem(last=False)
                    self.evictions += 1
        future.set_result(value)
        return value

    def keys(self) -> list[K]:
        with self._lock:
            return list(self._items)


def cache_size(env: str, default: int = 64) -> int:
    raw = os.getenv(env)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{env} must be an integer, got {raw!r}")
    if value < 0:
        raise SystemExit(f"{env} must be >= 0, got {value}")
    return value
