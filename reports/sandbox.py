"""Renders run in warm child processes with a time limit and a memory cap.

A hostile or huge report fails with RenderError; the caller's process never runs WeasyPrint, so it
keeps serving. A worker is started on first use, reused (fonts and CSS stay loaded), replaced after
a failure, and recycled after ``max_renders`` renders so that fragmentation cannot pile up.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pickle
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .protocol import OK, REPLY, REQUEST, Timeout, read_exact

DEFAULT_TIMEOUT = 20.0  # seconds for one render
START_TIMEOUT = 60.0  # seconds for a worker to import WeasyPrint and load its fonts
DEFAULT_MEMORY_MB = 768  # address space (RLIMIT_AS) of a worker: about 360 MB when idle
MAX_REPORT_BYTES = 4 * 1024 * 1024  # the pickled report dict
MAX_RENDERS = 200
_IMPORT_ROOT = str(Path(__file__).resolve().parent.parent)


class RenderError(RuntimeError):
    """The report could not be rendered (too big, too slow, over the memory cap, or broken)."""


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
        self._process: subprocess.Popen | None = None
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
            status, body = self._exchange(payload, self.timeout if timeout is None else timeout)
            self._renders += 1
            if status != OK or self._renders >= self.max_renders:
                self._stop()  # a worker that failed exits; one that aged is replaced
        if status != OK:
            raise RenderError(body.decode(errors="replace"))
        return body

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _exchange(self, payload: bytes, timeout: float) -> tuple[bytes, bytes]:
        process = self._process
        assert process is not None and process.stdin is not None
        try:
            process.stdin.write(REQUEST.pack(len(payload)) + payload)
            process.stdin.flush()
            return self._read_reply(time.monotonic() + timeout)
        except Timeout:
            self._stop()
            raise RenderError(f"the render took longer than {timeout:g} s") from None
        except (EOFError, OSError):
            code = process.poll()
            self._stop()
            raise RenderError(
                f"the render process died (exit code {code}); the report may exceed the "
                f"{self.memory_mb} MB memory cap"
            ) from None

    def _read_reply(self, deadline: float) -> tuple[bytes, bytes]:
        status, size = REPLY.unpack(self._read(REPLY.size, deadline))
        return status, self._read(size, deadline)

    def _read(self, size: int, deadline: float) -> bytes:
        assert self._process is not None and self._process.stdout is not None
        return read_exact(self._process.stdout.fileno(), size, deadline)

    def _ensure_started(self) -> None:
        if self._process is not None and self._process.poll() is None:
            return
        self._stop()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(
            p for p in (_IMPORT_ROOT, os.environ.get("PYTHONPATH")) if p
        )}  # fmt: skip
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "reports.worker", str(self.memory_mb * 1024 * 1024)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            close_fds=True,
            # Its own session: a Ctrl+C meant for the caller's terminal does not kill a render
            # half way; the caller stops its workers itself (close, atexit).
            start_new_session=True,
        )
        self._renders = 0
        try:
            status, body = self._read_reply(time.monotonic() + START_TIMEOUT)
        except (Timeout, EOFError, OSError):
            status, body = b"", b"the render process did not start"
        if status != OK:
            self._stop()
            raise RenderError(body.decode(errors="replace"))

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # a healthy worker sees EOF and exits
        try:
            process.wait(1.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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


_default_size = 1


def set_default_pool_size(size: int) -> None:
    """How many render processes ``render_pdf`` may use at once, before its first render: one
    per job-queue thread, so that two consumers really render two reports at a time."""
    global _default_size
    with _default_lock:
        if _default_pool is not None and len(_default_pool.workers) != size:
            raise RuntimeError("the render pool is already running")
        _default_size = max(1, size)


def default_pool() -> RenderPool:
    """The process-wide pool used by ``render_pdf`` (one worker unless set, default limits)."""
    global _default_pool
    with _default_lock:
        if _default_pool is None:
            _default_pool = RenderPool(_default_size)
            atexit.register(_default_pool.close)
        return _default_pool


def render_pdf(report: dict[str, Any], *, timeout: float | None = None) -> bytes:
    """The PDF report of ``report`` (the dict of ``result_view``), rendered in a sandbox.

    :raise RenderError: the report is too large, took longer than ``timeout`` seconds (default
        20), went over the memory cap, or could not be laid out.
    """
    return default_pool().render(report, timeout)
