"""What the browser tests check on every page: axe-core finds no serious or critical violation,
nothing overflows a phone's width, and a screenshot is kept; plus the PDF's text and first page."""

from __future__ import annotations

import io
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from pypdf import PdfReader

AXE = Axe()
BLOCKING = ("serious", "critical")

# The focused element's description, and whether its focus can be seen (an outline or a ring).
FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const fieldset = el.closest("fieldset[data-question]");
  return {
    tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", id: el.id || "",
    value: el.value || "", checked: !!el.checked, href: el.getAttribute("href") || "",
    text: (el.innerText || "").trim(), role: el.getAttribute("role") || "",
    question: fieldset ? fieldset.dataset.question : null,
    focus_ring: (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
                || style.boxShadow !== "none",
  };
}"""


def focused(page: Page) -> dict | None:
    return page.evaluate(FOCUSED_JS)


@dataclass
class Auditor:
    """``look(page, "home")``: screenshot the page as ``<prefix>-<n>-home.png``, then check it:
    nothing scrolls sideways, and axe-core finds no serious or critical violation (every axe
    finding is kept in ``….axe.json``). axe-core runs inside the page and needs its timers, so
    ``axe=False`` for pages without JavaScript."""

    artifacts: Path
    prefix: str
    axe: bool = True
    count: int = 0

    def __call__(self, page: Page, name: str) -> None:
        self.count += 1
        name = f"{self.prefix}-{self.count:02d}-{name}"
        page.screenshot(path=self.artifacts / f"{name}.png", full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} ({page.url}) scrolls sideways by {overflow}px"
        if not self.axe:
            return
        violations = AXE.run(page).response["violations"]
        if violations:
            (self.artifacts / f"{name}.axe.json").write_text(json.dumps(violations, indent=1))
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"axe on {name} ({page.url}):\n" + describe(blocking)


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        lines += [f"    {n['target']}: {n['html'][:160]}" for n in v["nodes"][:5]]
    return "\n".join(lines)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def keep_pdf(data: bytes, name: str, artifacts: Path) -> Path:
    """Save the PDF and a PNG of its first page (pdftoppm) beside the screenshots."""
    pdf = artifacts / f"{name}.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile", str(pdf),
         str(artifacts / f"{name}-page1")],
        check=True, timeout=60,
    )  # fmt: skip
    return artifacts / f"{name}-page1.png"
