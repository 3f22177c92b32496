"""Reading a PDF's layout back as a reader sees it: lines with their boxes, per page.

``pdftotext -bbox-layout`` (poppler) gives blocks of lines of words with their boxes, in
points from the page's top-left corner. On top of that:

- ``body_lines``: lines of running text — lines at the document's body size, inside a block
  of several lines, not a block's last line (it is short on purpose) and about as wide as
  the block (so a heading, a list item's first line or a caption does not count);
- ``chars_per_line``: what the measure is, in characters (words plus the spaces between);
- ``hyphen_runs``: the longest run of consecutive lines ending in a line-break hyphen;
- ``emptiness``: the share of a page's content area below its last line of text.

Shared by tests/test_pageflow.py; usable from a shell too:
``python tests/layoutprobe.py file.pdf [top_mm bottom_mm]``.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

MM = 72 / 25.4
HYPHENS = ("-", "\u2010", "\u00ad")


@dataclass
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    words: list[str]

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def width(self) -> float:
        return self.x1 - self.x0


@dataclass
class Page:
    number: int
    width: float
    height: float
    blocks: list[list[Line]] = field(default_factory=list)

    @property
    def lines(self) -> list[Line]:
        return [line for block in self.blocks for line in block]


_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_BOX = r'xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)"'
_LINE = re.compile(r"<line " + _BOX + r">(.*?)</line>", re.S)
_WORD = re.compile(r"<word [^>]*>(.*?)</word>", re.S)


def read_pages(pdf: Path) -> list[Page]:
    out = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages: list[Page] = []
    for number, chunk in enumerate(out.split("<page ")[1:], start=1):
        width, height = map(float, _PAGE.match("<page " + chunk).groups())
        page = Page(number, width, height)
        for block in chunk.split("<block ")[1:]:
            lines = []
            for m in _LINE.finditer(block):
                x0, y0, x1, y1 = map(float, m.groups()[:4])
                words = [unescape(w) for w in _WORD.findall(m.group(5))]
                if words:
                    lines.append(Line(x0, y0, x1, y1, words))
            if lines:
                page.blocks.append(lines)
        pages.append(page)
    return pages


def body_height(pages: list[Page]) -> float:
    """The most common line height: the body text's."""
    counts = Counter(round(line.height, 1) for page in pages for line in page.lines)
    return counts.most_common(1)[0][0] if counts else 0.0


def body_lines(pages: list[Page]) -> list[tuple[int, Line]]:
    """(page number, line) of full lines of running text."""
    size = body_height(pages)
    found = []
    for page in pages:
        for block in page.blocks:
            if len(block) < 2:
                continue
            widest = max(line.width for line in block)
            for line in block[:-1]:
                if abs(line.height - size) <= 0.6 and line.width >= 0.92 * widest:
                    found.append((page.number, line))
    return found


def chars(line: Line) -> int:
    return len(line.text)


def measure(pages: list[Page]) -> tuple[float, float]:
    """(median, p90) characters per full line of body text."""
    counts = sorted(chars(line) for _, line in body_lines(pages))
    if not counts:
        return 0.0, 0.0
    return statistics.median(counts), counts[min(len(counts) - 1, int(0.9 * len(counts)))]


def ends_hyphenated(line: Line) -> bool:
    """The line ends in a break inside a word: '…funda-' (not an em dash or a lone '-')."""
    last = line.words[-1]
    return len(last) > 1 and last.endswith(HYPHENS) and last[-2].isalpha()


def hyphen_runs(page: Page) -> tuple[int, int]:
    """(lines ending in a hyphen, longest run of consecutive such lines) on a page."""
    total = longest = run = 0
    for line in page.lines:  # reading order; a paragraph may span several blocks
        if ends_hyphenated(line):
            total += 1
            run += 1
            longest = max(longest, run)
        else:
            run = 0
    return total, longest


def text_lines(page: Page, top: float, bottom: float) -> list[Line]:
    """Lines inside the content area (between the top and bottom margins, in points)."""
    return [
        line for line in page.lines if line.y0 >= top - 2 and line.y1 <= page.height - bottom + 2
    ]


def emptiness(page: Page, top: float, bottom: float) -> float:
    """Share of the content area below the page's last line of text (1.0: no text)."""
    lines = text_lines(page, top, bottom)
    area = page.height - top - bottom
    if not lines:
        return 1.0
    lowest = max(line.y1 for line in lines)
    return max(0.0, (page.height - bottom - lowest) / area)


def main(argv: list[str]) -> None:
    pdf = Path(argv[0])
    top = float(argv[1]) * MM if len(argv) > 1 else 24 * MM
    bottom = float(argv[2]) * MM if len(argv) > 2 else 24 * MM
    pages = read_pages(pdf)
    median, p90 = measure(pages)
    print(f"{pdf.name}: measure median {median} p90 {p90}")
    for page in pages:
        total, longest = hyphen_runs(page)
        print(
            f"  p{page.number}: {len(page.lines)} lines, {total} hyphenated, run {longest}, "
            f"empty {emptiness(page, top, bottom):.0%}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
