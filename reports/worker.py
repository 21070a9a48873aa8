"""The render worker process: ``python -m reports.worker MEMORY_BYTES``.

It reads framed requests on stdin (4-byte length + pickled report dict) and answers on the
original stdout (1 status byte + 4-byte length + PDF or message). Anything else the libraries
print goes to stderr, so it cannot corrupt the protocol.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import resource
import sys

from .protocol import FAILED, OK, OUT_OF_MEMORY, REPLY, REQUEST, read_exact, write_all


def reply(fd: int, status: bytes, body: bytes) -> None:
    write_all(fd, REPLY.pack(status, len(body)) + body)


def serve(memory_bytes: int) -> None:
    """Load WeasyPrint once, then render until stdin closes."""
    out = os.dup(1)
    os.dup2(2, 1)  # stray prints from libraries land on stderr
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        from .render import PdfRenderer

        renderer = PdfRenderer()
        renderer.warm_up()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        reply(out, FAILED, f"worker failed to start: {exc!r}".encode())
        return
    reply(out, OK, b"")
    while True:
        try:
            (size,) = REQUEST.unpack(read_exact(0, REQUEST.size))
            payload = read_exact(0, size)
        except EOFError:
            return
        try:
            pdf = renderer.render(pickle.loads(payload))  # noqa: S301 - sent by our parent
        except MemoryError:
            reply(out, OUT_OF_MEMORY, b"the render went over the memory cap")
            return
        except Exception as exc:  # noqa: BLE001 - any template or layout failure
            # A C library that ran out of memory may surface as some other error: after any
            # failure this process exits and the parent starts a fresh one.
            reply(out, FAILED, f"{type(exc).__name__}: {exc}"[:500].encode())
            return
        reply(out, OK, pdf)


if __name__ == "__main__":
    # The parent went away (stopped while this worker was starting): nothing left to say.
    with contextlib.suppress(BrokenPipeError):
        serve(int(sys.argv[1]))

