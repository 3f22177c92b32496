"""Generate N synthetic but realistic case files (about two pages each) for benchmarks.

python benchmarks/synthetic.py 200 /tmp/bench-project      # writes cases/ and casepress.yaml
"""

from __future__ import annotations

import random
import sys
import textwrap
from pathlib import Path

REGIONS = {
    "Sub-Saharan Africa": [
        "Sierra Leone",
        "Liberia",
        "Ghana",
        "Kenya",
        "Mali",
        "Rwanda",
        "Burundi",
    ],
    "Latin America and the Caribbean": ["Peru", "Colombia", "Guatemala", "Haiti", "El Salvador"],
    "Asia and the Pacific": ["Indonesia", "Timor-Leste", "Nepal", "Solomon Islands", "Philippines"],
    "Europe and Central Asia": ["Georgia", "Kosovo", "North Macedonia", "Ukraine", "Kyrgyzstan"],
    "Middle East and North Africa": ["Tunisia", "Lebanon", "Iraq", "Libya", "Yemen"],
}
THEMES = ["Police reform", "Defence reform", "Justice reform", "Parliamentary oversight",
          "Transitional justice", "Civil society", "Gender", "Border management", "Governance"]  # fmt: skip
SENTENCES = [
    "The transition opened a window for reform that national actors were quick to use.",
    "International partners offered funding, but the sequencing of support was contested.",
    "Parliamentary committees gained formal powers while lacking the staff to exercise them.",
    "Civil society organisations documented abuses and proposed concrete legislative changes.",
    "The ministry published its first defence review after a broad consultation process.",
    "Community forums brought police commanders and local leaders together every month.",
    "Budget transparency improved once the audit office reported directly to parliament.",
    "Resistance from within the security services slowed the vetting of senior officers.",
    "A new code of conduct was adopted and integrated into the training curriculum.",
    "Donor coordination remained weak, and several programmes duplicated each other.",
    "Women's participation in the police rose after recruitment targets were introduced.",
    "The reform was anchored in a peace agreement that set out clear milestones.",
]


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(sentences))


def block(text: str) -> str:
    paragraphs = text.split("\n\n")
    lines = []
    for para in paragraphs:
        lines += ["  " + line for line in textwrap.wrap(para, 90)] + [""]
    return "\n".join(lines[:-1])


def case_yaml(index: int, rng: random.Random) -> tuple[str, str]:
    region = rng.choice(list(REGIONS))
    country = rng.choice(REGIONS[region])
    themes = rng.sample(THEMES, rng.randint(1, 3))
    start = rng.randint(1990, 2018)
    title = f"{themes[0]} in {country}: case {index:04d}"
    case_id = f"case-{index:04d}"
    context = "\n\n".join(paragraph(rng, rng.randint(4, 7)) for _ in range(rng.randint(2, 4)))
    entry = paragraph(rng, rng.randint(3, 5))
    outcome = paragraph(rng, rng.randint(3, 6))
    lessons = "\n".join(
        f"  - title: {rng.choice(['Sequencing matters', 'National ownership', 'Oversight first', 'Sustained funding', 'Inclusive design'])}\n"
        f"    text: |\n" + "\n".join("      " + line for line in textwrap.wrap(paragraph(rng, rng.randint(3, 5)), 88))
        for _ in range(rng.randint(3, 5))
    )  # fmt: skip
    text = f"""title: "{title}"
summary: "A synthetic case about {themes[0].lower()} in {country}, written for benchmarks."
period: {start}–{start + rng.randint(2, 8)}
regions: [{region}]
countries: [{country}]
themes: [{", ".join(themes)}]
context: |
{block(context)}
entry_point: |
{block(entry)}
lessons:
{lessons}
outcome: |
{block(outcome)}
"""
    return case_id, text


def make_project(count: int, folder: Path, seed: int = 1) -> Path:
    rng = random.Random(seed)
    cases = folder / "cases"
    cases.mkdir(parents=True, exist_ok=True)
    for index in range(1, count + 1):
        case_id, text = case_yaml(index, rng)
        (cases / f"{case_id}.yaml").write_text(text, encoding="utf-8")
    (folder / "casepress.yaml").write_text(
        "organisation: Benchmark Institute\n"
        "handbooks:\n"
        "  all:\n"
        f"    title: All {count} cases\n"
        f"    regions: [{', '.join(REGIONS)}]\n"
        "    group_by: region\n",
        encoding="utf-8",
    )
    return folder


if __name__ == "__main__":
    make_project(int(sys.argv[1]), Path(sys.argv[2]))
