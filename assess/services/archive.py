"""The ZIP of a batch: safe entry names, a formula-safe status table, written atomically.

Nothing here knows about the database; the batch service hands in plain values.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

# Well under every common file system's 255-byte limit once the suffix and ".pdf" are added,
# counting a Korean syllable as the three UTF-8 bytes it takes.
MAX_STEM_BYTES = 120
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Names Windows refuses whatever the extension; a consultant may unpack the ZIP there.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
             *(f"lpt{i}" for i in range(10))}  # fmt: skip


def entry_name(firm_name: str, assessment_id: int, taken: set[str], suffix: str = ".pdf") -> str:
    """A ZIP entry name for one firm's report that keeps a Korean name readable and can never
    leave the folder it is unpacked into: no separators, control characters, leading dots or
    ``..``, bounded length, and unique within ``taken`` (which it extends, compared without
    case as on Windows and macOS)."""
    stem = _clean_stem(firm_name) or f"assessment-{assessment_id}"
    candidate, n = f"{stem}{suffix}", 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    taken.add(candidate.casefold())
    return candidate


def _clean_stem(name: str) -> str:
    # NFC first: a name typed on macOS arrives as decomposed jamo and would look the same yet
    # differ byte for byte from its twin.
    name = unicodedata.normalize("NFC", name)
    kept = []
    for ch in name:
        category = unicodedata.category(ch)
        if ch in '/\\:*?"<>|' or category[0] == "C" or category in ("Zl", "Zp"):
            kept.append(" ")  # control, format (bidi overrides), unassigned, separators
        else:
            kept.append(ch)
    stem = " ".join("".join(kept).split())  # any run of spaces becomes one
    # No hidden or trailing-dot names (Windows drops the dot), then no traversal left inside.
    stem = stem.strip(" .").replace("..", "_")
    stem = _truncate(stem, MAX_STEM_BYTES).rstrip(" .")
    if stem.casefold().split(".")[0] in _RESERVED:
        stem = f"_{stem}"
    return stem


def _truncate(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")  # never half a syllable


def neutralise(cell: object) -> str:
    """A CSV cell a spreadsheet will show as text, never run as a formula."""
    text = "" if cell is None else str(cell)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def status_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """The status table as UTF-8 with a byte order mark, so that Excel shows Korean names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def write_zip(path: Path, files: Iterable[tuple[str, Path | bytes]]) -> None:
    """Write the ZIP beside ``path`` and rename it into place: a download never sees half a
    file, and a failed write leaves the previous ZIP (if any) as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as archive:
            for name, content in files:
                # PDFs are compressed already; storing them keeps the batch fast.
                if isinstance(content, bytes):
                    archive.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
                else:
                    archive.write(content, name, compress_type=zipfile.ZIP_STORED)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
