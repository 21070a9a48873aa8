"""ZIP entry names from hostile firm names, and formula-safe status cells."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assess.services.archive import MAX_STEM_BYTES, entry_name, neutralise, status_csv, write_zip


def assert_safe(name: str) -> None:
    assert "/" not in name and "\\" not in name
    assert ".." not in name
    assert not name.startswith((".", " "))
    assert not any(unicodedata.category(ch)[0] == "C" for ch in name)
    assert len(name.encode()) <= MAX_STEM_BYTES + 20
    assert name.endswith(".pdf")


@pytest.mark.parametrize(
    ("firm", "expected"),
    [
        ("예시정밀", "예시정밀.pdf"),
        ("㈜ 한호산업 (부산)", "㈜ 한호산업 (부산).pdf"),
        ("../../etc/passwd", "etc passwd.pdf"),
        ("..\\..\\Windows\\system32", "Windows system32.pdf"),
        ("/absolute", "absolute.pdf"),
        (".hidden", "hidden.pdf"),
        ("...", "assessment-7.pdf"),
        ("", "assessment-7.pdf"),
        ("a\x00b\nc\rd\te", "a b c d e.pdf"),
        ("evil\u202efdp.exe", "evil fdp.exe.pdf"),  # a right-to-left override is dropped
        ("CON", "_CON.pdf"),
        ("trailing dots...", "trailing dots.pdf"),
        ("C:\\firm", "C firm.pdf"),
    ],
)
def test_hostile_names_become_safe_entries(firm, expected):
    name = entry_name(firm, 7, set())
    assert name == expected
    assert_safe(name)


def test_long_korean_names_are_cut_at_a_whole_syllable():
    name = entry_name("가" * 300, 1, set())
    assert name == "가" * (MAX_STEM_BYTES // 3) + ".pdf"


def test_duplicates_get_a_suffix_also_when_only_case_or_normalisation_differs():
    taken: set[str] = set()
    decomposed = unicodedata.normalize("NFD", "예시정밀")
    names = [entry_name(n, i, taken) for i, n in
             enumerate(["예시정밀", decomposed, "Acme", "ACME", "acme"])]  # fmt: skip
    assert names == ["예시정밀.pdf", "예시정밀 (2).pdf", "Acme.pdf", "ACME (2).pdf", "acme (3).pdf"]


@given(st.lists(st.text(max_size=400), min_size=1, max_size=8))
def test_any_names_give_safe_unique_entries(firms):
    taken: set[str] = set()
    names = [entry_name(firm, i, taken) for i, firm in enumerate(firms)]
    for name in names:
        assert_safe(name)
    assert len({n.casefold() for n in names}) == len(names)


@pytest.mark.parametrize("cell", ["=1+1", "+82", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(cell):
    assert neutralise(cell) == "'" + cell


def test_status_csv_keeps_korean_and_plain_cells():
    data = status_csv(["업체", "상태"], [["=HYPERLINK(\"x\")", "완료"], ["예시정밀", 3]])
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["업체", "상태"], ["'=HYPERLINK(\"x\")", "완료"], ["예시정밀", "3"]]


def test_the_zip_is_written_whole_or_not_at_all(tmp_path):
    target = tmp_path / "out" / "batch.zip"
    write_zip(target, [("예시정밀.pdf", b"%PDF-1.7"), ("status.csv", b"a,b")])
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        assert archive.namelist() == ["예시정밀.pdf", "status.csv"]
    with pytest.raises(FileNotFoundError):
        write_zip(target, [("x.pdf", tmp_path / "missing.pdf")])
    assert zipfile.ZipFile(target).namelist() == ["예시정밀.pdf", "status.csv"]  # the old one
    assert [p.name for p in target.parent.iterdir()] == ["batch.zip"]  # no leftovers
