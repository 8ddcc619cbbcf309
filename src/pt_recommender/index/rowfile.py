"""Rows of a generation's files read with `os.pread`, not memory-mapped.

A one-shot answer reads a few hundred scattered rows of the needs vectors and ~10 records of
resources.json. Mapped, each read brought in a whole 2 MiB page-cache folio on this machine's
kernel (11 MiB of the two files resident for one query, measured in /proc/self/smaps); a
positional read brings in only the bytes asked for. The files were checksummed by
`check_index` before they are opened here, and a live generation's files are never rewritten;
the open descriptor keeps reading the same inode even if a later build prunes the folder.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np

from ..arrays import unique

GAP = 8  # rows: runs closer than this are read in one call (fewer calls, a few spare rows)


class FileBytes:
    """Byte ranges of one file, by positional reads on a descriptor held open (a seek and a read
    under a lock where the platform has no `os.pread`, as on Windows)."""

    def __init__(self, path: Path):
        self._fd = os.open(str(path), os.O_RDONLY | getattr(os, "O_BINARY", 0))
        self.size = os.fstat(self._fd).st_size
        self._lock = threading.Lock()

    def _pread(self, n: int, at: int) -> bytes:
        if hasattr(os, "pread"):
            return os.pread(self._fd, n, at)
        with self._lock:
            os.lseek(self._fd, at, os.SEEK_SET)
            return os.read(self._fd, n)

    def read(self, start: int, stop: int) -> bytes:
        data = self._pread(stop - start, start)
        if len(data) != stop - start:  # the file shrank under us: never answer from a part
            raise OSError(f"short read: {len(data)} of {stop - start} bytes")
        return data

    def __getitem__(self, span: slice) -> bytes:
        """`data[start:stop]`, as on the bytes of a file read whole (`LazyRows` takes either)."""
        return self.read(span.start, span.stop)

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


class NpyRows:
    """The rows of a 2-D C-order .npy file, read on demand: `rows[idx]` for an integer array
    returns what `np.load(path)[idx]` would, and `np.asarray(rows)` reads the whole array."""

    def __init__(self, path: Path):
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
            if version not in read:
                raise ValueError(f"{path.name}: .npy format version {version} is not read here")
            shape, fortran, dtype = read[version](fh)
            offset = fh.tell()
        if fortran or len(shape) != 2 or dtype.hasobject:
            raise ValueError(f"{path.name}: not a 2-D C-order numeric array")
        self.shape, self.dtype, self.ndim = tuple(shape), dtype, 2
        self._row = shape[1] * dtype.itemsize
        self._file, self._offset = FileBytes(path), offset
        if offset + shape[0] * self._row != self._file.size:
            raise ValueError(f"{path.name}: size does not match its header")

    def __len__(self) -> int:
        return self.shape[0]

    def _rows(self, start: int, stop: int) -> np.ndarray:
        data = self._file.read(self._offset + start * self._row, self._offset + stop * self._row)
        return np.frombuffer(data, dtype=self.dtype).reshape(stop - start, self.shape[1])

    def __getitem__(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, dtype=np.int64)
        if idx.ndim != 1:
            raise TypeError("NpyRows takes a 1-D array of row indexes")
        if not len(idx):
            return np.zeros((0, self.shape[1]), dtype=self.dtype)
        if idx.min() < -len(self) or idx.max() >= len(self):
            raise IndexError("row index out of range")
        idx = np.where(idx < 0, idx + len(self), idx)
        wanted = unique(idx)
        cut = np.flatnonzero(np.diff(wanted) > GAP) + 1  # runs of nearby rows, one read each
        starts, stops = wanted[np.r_[0, cut]], wanted[np.r_[cut - 1, len(wanted) - 1]] + 1
        block = np.concatenate([self._rows(int(a), int(b)) for a, b in zip(starts, stops, strict=True)])
        # each wanted row's place in `block`: its run's place plus its offset within the run
        run = np.searchsorted(starts, wanted, side="right") - 1
        place = (np.cumsum(stops - starts) - (stops - starts))[run] + (wanted - starts[run])
        return block[place[np.searchsorted(wanted, idx)]]

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        whole = self._rows(0, len(self))
        return whole if dtype is None else whole.astype(dtype)
