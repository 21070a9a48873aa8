"""The framing between the sandbox and its worker: requests are a 4-byte length and a pickled
report dict; replies are a status byte, a 4-byte length and the PDF (or an error message)."""

from __future__ import annotations

import os
import select
import struct
import time

REQUEST = struct.Struct("!I")
REPLY = struct.Struct("!cI")
OK, FAILED, OUT_OF_MEMORY = b"\x00", b"\x01", b"\x02"


class Timeout(Exception):
    """The deadline of ``read_exact`` passed before the bytes arrived."""


def read_exact(fd: int, size: int, deadline: float | None = None) -> bytes:
    """``size`` bytes from ``fd``; EOFError if the other end closes first, Timeout if
    ``deadline`` (a ``time.monotonic()`` value) passes first."""
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise Timeout
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
