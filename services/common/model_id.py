"""Model ids: the text form `{storage}/{owner}/{name}[/{version}]:{file1,file2}` and the on-chain
form `abi.encode(bytes repo, string "f1,f2")` with
`repo = abi.encode(uint8 storage, string owner, string name, string version)`
(storage local=0, arweave=1, huggingface=2), as infernet-ml 2.0's MlModelId/RitualRepoId."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode

from .errors import bad_request


class Storage(Enum):
    local = 0
    arweave = 1
    huggingface = 2


# One path component: no separators, no "..", nothing hidden; keeps local lookups inside
# the cache directory.
_COMPONENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-+@=]*$")


@dataclass(frozen=True)
class ModelId:
    storage: Storage
    owner: str
    name: str
    version: str | None = None
    files: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for label, value in (("owner", self.owner), ("name", self.name)):
            if not _COMPONENT.match(value or "") or ".." in value:
                raise bad_request(f"invalid model id: bad {label} {value!r}")
        if self.version is not None and (not _COMPONENT.match(self.version) or ".." in self.version):
            raise bad_request(f"invalid model id: bad version {self.version!r}")
        for f in self.files:
            if not _COMPONENT.match(f) or ".." in f:
                raise bad_request(f"invalid model id: bad file name {f!r}")

    @property
    def repo_unique_id(self) -> str:
        base = f"{self.storage.name}/{self.owner}/{self.name}"
        return f"{base}/{self.version}" if self.version else base

    @property
    def unique_id(self) -> str:
        return f"{self.repo_unique_id}:{','.join(self.files)}" if self.files else self.repo_unique_id

    def __str__(self) -> str:
        return self.unique_id

    @classmethod
    def parse(cls, text: str) -> "ModelId":
        if not isinstance(text, str) or not text.strip():
            raise bad_request(f"invalid model id {text!r}: expected "
                              "'{storage}/{owner}/{name}[/{version}]:{file1,file2}'")
        base, _, files_text = text.strip().partition(":")
        parts = base.split("/")
        if len(parts) not in (3, 4):
            raise bad_request(f"invalid model id {text!r}: expected "
                              "'{storage}/{owner}/{name}[/{version}]:{file1,file2}'")
        try:
            storage = Storage[parts[0]]
        except KeyError:
            raise bad_request(f"invalid model id {text!r}: unknown storage {parts[0]!r} "
                              "(local, arweave, huggingface)") from None
        files = tuple(f for f in files_text.split(",") if f) if files_text else ()
        return cls(storage, parts[1], parts[2], parts[3] if len(parts) == 4 else None, files)

    def to_web3(self) -> bytes:
        repo = abi_encode(["uint8", "string", "string", "string"],
                          [self.storage.value, self.owner, self.name, self.version or ""])
        return abi_encode(["bytes", "string"], [repo, ",".join(self.files)])

    @classmethod
    def from_web3(cls, data: bytes) -> "ModelId":
        try:
            repo, files_text = abi_decode(["bytes", "string"], data)
            storage, owner, name, version = abi_decode(["uint8", "string", "string", "string"], repo)
        except Exception as error:
            raise bad_request(f"malformed on-chain model id: {error}") from None
        try:
            storage_enum = Storage(storage)
        except ValueError:
            raise bad_request(f"malformed on-chain model id: unknown storage {storage} "
                              "(0 local, 1 arweave, 2 huggingface)") from None
        files = tuple(f for f in files_text.split(",") if f)
        return cls(storage_enum, owner, name, version or None, files)
