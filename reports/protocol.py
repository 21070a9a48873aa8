"""The framing between the sandbox and its worker: requests are a 4-byte length and a pickled
report dict; replies are a status byte, a 4-byte length and the PDF (or an error message)."""

from __future__ import annotations

import os
import struct

REQUEST = struct.Struct("!I")
REPLY = struct.Struct("!cI")
OK, FAILED, OUT_OF_MEMORY = b"\x00", b"\x01", b"\x02"


def read_exact(fd: int, size: int) -> bytes:
    """``size`` bytes from ``fd``; EOFError if the other end closes first."""
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
