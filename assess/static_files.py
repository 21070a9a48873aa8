"""Static files with content hashes: ``url_for('static', filename='app.css')`` gives
``/static/app.css?v=<hash>``, and a response whose ``v`` is the file's current hash may be kept
by browsers and proxies for a year (a changed file gets a new address). Any other static
response is cached briefly, so an old or missing version is soon asked for again.

The hash is the first 12 hex digits of the file's SHA-256, computed once per process (a
release restarts the processes); in debug mode it follows the file's changes.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from flask import Flask, request, url_for

VERSION_ARG = "v"
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=300"

_lock = threading.Lock()


class StaticVersions:
    def __init__(self, folder: str, follow_changes: bool):
        self.folder = Path(folder).resolve()
        self.follow_changes = follow_changes
        self._hashes: dict[object, str | None] = {}

    def version(self, filename: str) -> str | None:
        """The file's short content hash, or None when there is no such file in the folder."""
        if not self.follow_changes and filename in self._hashes:
            return self._hashes[filename]  # most pages ask for the same few files: no path work
        path = (self.folder / filename).resolve()
        if not path.is_relative_to(self.folder):
            return None
        key: object = filename
        if self.follow_changes:
            try:
                stat = path.stat()
            except OSError:
                return None
            key = (filename, stat.st_mtime_ns, stat.st_size)
        with _lock:
            if key in self._hashes:
                return self._hashes[key]
        digest = _hash(path)
        with _lock:
            self._hashes[key] = digest
        return digest


def _hash(path: Path) -> str | None:
    try:
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()[:12]
    except OSError:
        return None


def init_app(app: Flask) -> None:
    if app.static_folder is None:
        return
    versions = StaticVersions(app.static_folder, follow_changes=app.debug)
    app.extensions["static_versions"] = versions

    @app.url_defaults
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and VERSION_ARG not in values and "filename" in values:
            digest = versions.version(os.fspath(values["filename"]))
            if digest:
                values[VERSION_ARG] = digest

    # Every page links the same few files: their addresses are built once per script root (the
    # prefix a proxy mounts the app under) instead of through the URL map on each page. In debug
    # mode the hash follows the file, so nothing is kept.
    built: dict[tuple[str, str], str] = {}

    def static_url(filename: str) -> str:
        key = (request.script_root, filename)
        if key not in built or versions.follow_changes:
            built[key] = url_for("static", filename=filename)
        return built[key]

    app.jinja_env.globals["static_url"] = static_url

    @app.after_request
    def cache_static(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        filename = (request.view_args or {}).get("filename", "")
        given = request.args.get(VERSION_ARG)
        current = versions.version(filename)
        immutable = given is not None and given == current
        response.headers["Cache-Control"] = LONG_CACHE if immutable else SHORT_CACHE
        return response
