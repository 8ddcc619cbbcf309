"""Crash-safe file writes (temp file, fsync, rename, fsync the folder), checksums, a process lock."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from filelock import FileLock


def sha256_file(path: Path) -> str:
    """Checksum a file in 1 MiB blocks (index files, ONNX exports)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def crc32_file(path: Path) -> str:
    """CRC-32 of a file as 8 hex digits, read in 1 MiB blocks into one reused buffer: the
    checksum of the large files read on every start (index arrays, ONNX weights). It catches the
    damage a checksum is for (a truncated, partly written or bit-flipped file) at ~3x the speed of
    sha256 on these machines, which was 15% of a one-shot answer; it is not a defence against
    deliberate tampering, which nothing here claims. (A memory map was slower in a fresh process:
    its page faults cost more than the copies.)"""
    crc, buf = 0, bytearray(1 << 20)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while n := fh.readinto(buf):
            crc = zlib.crc32(view[:n], crc)
    return f"{crc:08x}"


def file_checksum_ok(path: Path, meta: dict) -> bool:
    """Whether `path` matches the checksum recorded in `meta`: "crc32" (written now) or
    "sha256" (written by earlier versions, still honoured)."""
    if isinstance(meta.get("crc32"), str):
        return crc32_file(path) == meta["crc32"]
    return isinstance(meta.get("sha256"), str) and sha256_file(path) == meta["sha256"]


def fsync_dir(path: Path) -> None:
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace `path` with `data` so a reader sees the old or the new file, never a part.
    `durable=False` skips the fsyncs, for a cache whose entries carry their own checksum (a
    power cut may lose or truncate one; the reader then ignores it)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_checked_json(path: Path, value: object) -> None:
    """A cache file: the sha256 of the JSON on the first line, then the JSON (written atomically,
    without fsync: a power cut can only lose or truncate it, and `read_checked_json` then
    refuses it)."""
    payload = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload, durable=False)


def read_checked_json(path: Path) -> object:
    """The value `write_checked_json` stored; OSError when the file cannot be read, ValueError
    when its checksum or JSON is wrong (a damaged entry is never trusted)."""
    digest, _, payload = Path(path).read_bytes().partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != digest:
        raise ValueError("checksum mismatch")
    return json.loads(payload)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def fsync_file(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def file_lock(path: Path) -> FileLock:
    """Exclusive lock between processes (filelock: released by the kernel if the holder dies)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    from filelock import FileLock  # only builds lock: a query never imports it

    return FileLock(str(path))
