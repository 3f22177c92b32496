"""A small project of citable cases for test_citation*.py and test_export*.py: the sample's
French Peru case with authors, a series and a DOI; a draft whose title holds & % { }; and a
published case with no citation fields at all."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
title: A citable library
organisation: Centre for Security & Peace
language: en
handbooks:
  everything:
    title: Every case
    ids: [verite-et-rss-au-perou, a-draft-case, plain-case]
  with-drafts:
    title: Every case, drafts too
    ids: [verite-et-rss-au-perou, a-draft-case, plain-case]
    drafts: true
"""

CITED = """\
authors:
  - given: Ana María
    family: Pérez Ríos
    affiliation: Instituto de Defensa Legal
    orcid: https://orcid.org/0000-0002-1825-0097
  - Jean Dupont
  - Centre for Security & Peace
series: Études de cas RSS
number: 12
doi: https://doi.org/10.1234/ssr.2024.12
published: 2024-05
"""

DRAFT = """\
title: "Police & courts: {braces}, 100% vetted"
summary: A draft.
status: draft
authors: [J. R. Smith]
regions: [Sub-Saharan Africa]
context: The context.
lessons:
  - text: The lesson.
"""

PLAIN = """\
title: A plain case
context: The context.
lessons:
  - text: The lesson.
"""

IDS = ["a-draft-case", "plain-case", "verite-et-rss-au-perou"]
"""The cases, in the catalogue's order (by id)."""


def make_project(folder: Path) -> Path:
    """The project, written into ``folder``; its root."""
    root = folder / "citable"
    (root / "cases").mkdir(parents=True)
    (root / "casepress.yaml").write_text(CONFIG, "utf-8")
    peru = (ROOT / "cases" / "verite-et-rss-au-perou.yaml").read_text("utf-8")
    peru = peru.replace("\nperiod:", "\n" + CITED + "period:", 1)
    # its English original is not copied: the French case stands alone here
    peru = re.sub(r"(?m)^translation_of:.*\n", "", peru)
    (root / "cases" / "verite-et-rss-au-perou.yaml").write_text(peru, "utf-8")
    (root / "cases" / "a-draft-case.yaml").write_text(DRAFT, "utf-8")
    (root / "cases" / "plain-case.yaml").write_text(PLAIN, "utf-8")
    return root
