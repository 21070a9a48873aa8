"""Renders run in warm child processes with a time limit and a memory cap.

A hostile or huge report fails with RenderError; the caller's process never runs WeasyPrint, so it
keeps serving. A worker is started on first use, reused (fonts and CSS stay loaded), replaced after
a failure, and recycled after ``max_renders`` renders so that fragmentation cannot pile up.
"""

from __future__ import annotations

import atexit
import multiprocessing
import pickle
import queue
import resource
import threading
from typing import Any

DEFAULT_TIMEOUT = 20.0  # seconds for one render
START_TIMEOUT = 60.0  # seconds for a worker to import WeasyPrint and load its fonts
DEFAULT_MEMORY_MB = 1024  # address space of a worker (RLIMIT_AS), not its resident size
MAX_REPORT_BYTES = 4 * 1024 * 1024  # the pickled report dict
MAX_RENDERS = 200
OK, FAILED, OUT_OF_MEMORY = b"\x00", b"\x01", b"\x02"


class RenderError(RuntimeError):
    """The report could not be rendered (too big, too slow, over the memory cap, or broken)."""


def _serve(conn: Any, memory_bytes: int) -> None:
    """Worker main loop: receive pickled report dicts, answer with a status byte and the PDF."""
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        from .render import PdfRenderer

        renderer = PdfRenderer()
        renderer.warm_up()
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises
        conn.send_bytes(FAILED + f"worker failed to start: {exc!r}".encode())
        return
    conn.send_bytes(OK)
    while True:
        try:
            payload = conn.recv_bytes()
        except (EOFError, OSError):
            return  # the parent has gone or closed us
        try:
            conn.send_bytes(OK + renderer.render(pickle.loads(payload)))  # noqa: S301 - from our parent
        except MemoryError:
            conn.send_bytes(OUT_OF_MEMORY + b"the render went over the memory cap")
            return  # the heap may be in a bad state: let the parent start a fresh worker
        except Exception as exc:  # noqa: BLE001 - any template or layout failure is the parent's
            conn.send_bytes(FAILED + f"{type(exc).__name__}: {exc}"[:500].encode())


class RenderWorker:
    """One child process that renders reports one at a time (thread-safe: calls queue up)."""

    def __init__(
        self,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        max_renders: int = MAX_RENDERS,
    ):
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.max_renders = max_renders
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Any = None
        self._renders = 0

    def start(self) -> None:
        """Start the worker now rather than on the first render (e.g. when the app starts)."""
        with self._lock:
            self._ensure_started()

    def render(self, report: dict[str, Any], timeout: float | None = None) -> bytes:
        """The PDF of ``report``; RenderError when it cannot be rendered within the limits."""
        try:
            payload = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise RenderError(f"the report is not plain data: {exc}") from None
        if len(payload) > MAX_REPORT_BYTES:
            raise RenderError(f"the report is too large to render ({len(payload):,} bytes)")
        with self._lock:
            self._ensure_started()
            reply = self._exchange(payload, self.timeout if timeout is None else timeout)
            self._renders += 1
            if reply[:1] == OUT_OF_MEMORY or self._renders >= self.max_renders:
                self._stop()
        if reply[:1] != OK:
            raise RenderError(reply[1:].decode(errors="replace"))
        return reply[1:]

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _exchange(self, payload: bytes, timeout: float) -> bytes:
        try:
            self._conn.send_bytes(payload)
            if not self._conn.poll(timeout):
                self._stop()
                raise RenderError(f"the render took longer than {timeout:g} s")
            return self._conn.recv_bytes()
        except (EOFError, OSError):
            code = self._process.exitcode if self._process else None
            self._stop()
            raise RenderError(
                f"the render process died (exit code {code}); the report may exceed the "
                f"{self.memory_mb} MB memory cap"
            ) from None

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        self._stop()
        context = multiprocessing.get_context("spawn")  # no fork of a threaded web worker
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, args=(child, self.memory_mb * 1024 * 1024), daemon=True,
            name="report-render",
        )  # fmt: skip
        process.start()
        child.close()
        self._process, self._conn, self._renders = process, parent, 0
        if not parent.poll(START_TIMEOUT):
            self._stop()
            raise RenderError("the render process did not start in time")
        try:
            ready = parent.recv_bytes()
        except (EOFError, OSError):
            ready = FAILED + b"the render process exited while starting"
        if ready[:1] != OK:
            self._stop()
            raise RenderError(ready[1:].decode(errors="replace"))

    def _stop(self) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()  # a healthy worker sees EOF and exits
        if process is not None:
            process.join(1.0)
            if process.is_alive():
                process.kill()
                process.join()
            process.close()


class RenderPool:
    """``size`` workers shared by threads: a render waits for a free worker."""

    def __init__(self, size: int = 1, **limits: Any):
        self.workers = [RenderWorker(**limits) for _ in range(size)]
        self._idle: queue.SimpleQueue[RenderWorker] = queue.SimpleQueue()
        for worker in self.workers:
            self._idle.put(worker)

    def render(self, report: dict[str, Any], timeout: float | None = None) -> bytes:
        worker = self._idle.get()
        try:
            return worker.render(report, timeout)
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        for worker in self.workers:
            worker.close()


_default_pool: RenderPool | None = None
_default_lock = threading.Lock()


def default_pool() -> RenderPool:
    """The process-wide pool used by ``render_pdf`` (one worker, default limits)."""
    global _default_pool
    with _default_lock:
        if _default_pool is None:
            _default_pool = RenderPool()
            atexit.register(_default_pool.close)
        return _default_pool


def render_pdf(report: dict[str, Any], *, timeout: float | None = None) -> bytes:
    """The PDF report of ``report`` (the dict of ``result_view``), rendered in a sandbox.

    :raise RenderError: the report is too large, took longer than ``timeout`` seconds (default
        20), went over the memory cap, or could not be laid out.
    """
    return default_pool().render(report, timeout)

