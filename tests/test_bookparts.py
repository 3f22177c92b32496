"""Handbook book furniture (issue 14, item 6): cover, imprint, contents, part dividers,
chapter openers and indexes, read back from the PDF as a reader sees them."""

from __future__ import annotations

import base64
import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from casepress import build_handbooks, load_project
from casepress.checks.theme import check_theme
from casepress.errors import InputError
from casepress.model.bookparts import check_isbn, check_licence, default_citation, month_date
from casepress.model.project import project_schema
from conftest import copy_project, squash, write_png

SETTINGS = """\
title: Handbook fixture
organisation: Fixture Institute
theme: house
handbooks:
  course:
    title: Course reader
    subtitle: Africa and Latin America
    edition: Test edition
    date: 2026-01-15
    introduction: intro.md
    regions: [Sub-Saharan Africa, Latin America and the Caribbean]
    group_by: region
    order_by: title
    copyright: © 2026 Fixture Institute
{extra}"""

FURNITURE = """\
    isbn: 978-3-16-148410-0
    licence: CC BY 4.0
    case_numbers: true
    colophon: Set in Source Serif and Source Sans.
    cover_image:
      file: cover.png
      alt: A field of blue
      credit: Jane Doe
"""


def project_with(tmp_path: Path, extra: str, name: str = "handbook") -> Path:
    root = copy_project("handbook", tmp_path)
    if name != "handbook":
        root = root.rename(tmp_path / name)
    (root / "casepress.yaml").write_text(SETTINGS.format(extra=extra), "utf-8")
    theme = root / "themes" / "house"
    theme.mkdir(parents=True)
    write_png(theme / "logo.png", 40, 12, "RGB")  # black: illegible on the dark cover
    from PIL import Image

    Image.new("RGB", (40, 12), (255, 255, 255)).save(theme / "logo-light.png")
    (theme / "theme.yaml").write_text(
        "name: house\nlogo: logo.png\nlogo_reversed: logo-light.png\n", "utf-8"
    )
    Image.new("RGB", (300, 200), (40, 90, 160)).save(root / "cover.png")
    return root


def problems_of(root: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_project(root)
    return [str(p) for p in caught.value.problems]


# -- settings -------------------------------------------------------------------------------
def test_an_isbn_with_a_wrong_check_digit_is_an_error_at_its_line(tmp_path):
    root = project_with(tmp_path, "    isbn: 978-3-16-148410-1\n")
    (message,) = problems_of(root)
    assert re.match(
        r"\S*casepress.yaml:15:11: handbooks.course.isbn: ISBN 978-3-16-148410-1:", message
    )
    assert "check digit (the last) should be 0, not 1" in message
    assert "copy the ISBN again" in message


def test_isbn_check_digits_of_both_kinds():
    assert check_isbn("978-3-16-148410-0") == "978-3-16-148410-0"
    assert check_isbn("ISBN 0-306-40615-2") == "0-306-40615-2"
    assert check_isbn("0-8044-2957-x") == "0-8044-2957-X"  # X: ten, in ISBN-10
    for wrong, expected in (("0-306-40615-3", "2"), ("9791234567895", "6")):
        with pytest.raises(ValueError, match=f"should be {expected}, not"):
            check_isbn(wrong)
    with pytest.raises(ValueError, match="is not an ISBN"):
        check_isbn("978-3-16")
    with pytest.raises(ValueError, match="starts with 123"):
        check_isbn("1234567890123")


def test_known_licences_get_their_name_and_address_and_other_text_is_kept():
    licence = check_licence("CC-BY-NC-SA-4.0")
    assert licence.short == "CC BY-NC-SA 4.0"
    assert licence.name == "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International"
    assert licence.url == "https://creativecommons.org/licenses/by-nc-sa/4.0/"
    assert check_licence("cc0 1.0").url == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert check_licence("All rights reserved").name is None
    with pytest.raises(ValueError, match="not a Creative Commons licence casepress knows"):
        check_licence("CC BY 5.0")


def test_new_keys_are_validated_at_their_line_and_listed_in_the_schema(tmp_path):
    extra = "    licence: CC BY 5.0\n    produced_with: maybe\n    cover_imag: x.png\n"
    messages = problems_of(project_with(tmp_path, extra))
    assert any("casepress.yaml:15:14: handbooks.course.licence:" in m for m in messages)
    assert any("casepress.yaml:16:20: handbooks.course.produced_with:" in m for m in messages)
    assert any("cover_imag" in m and "cover_image" in m for m in messages)  # did you mean
    fields = project_schema()["properties"]["handbooks"]["additionalProperties"]["properties"]
    for key in ("cover_image", "cover_image_alt", "publisher", "licence", "citation",
                "colophon", "produced_with", "part_numbers", "case_numbers"):  # fmt: skip
        assert key in fields, key


def test_a_missing_cover_image_is_an_error_at_its_line(tmp_path):
    root = project_with(tmp_path, "    cover_image: nowhere.jpg\n")
    from casepress import load_cases
    from casepress.model.editions import plan_handbook

    project = load_project(root)
    with pytest.raises(InputError, match=r"casepress.yaml:15:18: .*file not found: .*nowhere"):
        plan_handbook(project.handbooks["course"], load_cases(project), project)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "November 2026"), ("fr", "novembre 2026"), ("es", "noviembre de 2026")],
)
def test_covers_are_dated_to_the_month_in_the_handbooks_language(language, expected):
    assert month_date(dt.date(2026, 11, 27), language) == expected


def test_the_generated_citation_follows_the_documented_pattern():
    citation = default_citation(
        organisation="Fixture Institute", year=2026, title="Course reader", subtitle=None,
        edition="Test edition", publisher="Other Press",
    )  # fmt: skip
    assert citation == "Fixture Institute (2026). Course reader. Test edition. Other Press."


def test_theme_check_warns_about_a_dark_cover_without_a_reversed_logo(tmp_path):
    root = project_with(tmp_path, "")
    theme = root / "themes" / "house" / "theme.yaml"
    theme.write_text("name: house\nlogo: logo.png\n", "utf-8")
    _, problems = check_theme(root, "house")
    (warning,) = [p for p in problems if "logo_reversed" in p.message]
    assert warning.severity == "warning" and warning.line == 2
    assert "white plate" in warning.message


# -- the PDF, read back -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def book(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bookparts")
    root = project_with(tmp, FURNITURE)
    project = load_project(root)
    out = tmp / "out"
    report = build_handbooks(project, output_dir=out, formats=("pdf", "html"))
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return root, out / "course.pdf", out / "course.html"


def words(pdf: Path, page: int) -> tuple[float, list[tuple[float, float, float, float, str]]]:
    """The page's height and its words with their boxes (pdftotext -bbox)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', xml).group(1))
    found = re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', xml
    )
    return height, [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in found]


def texts(pdf: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(pdf).pages]


@pytest.mark.slow
def test_the_cover_has_its_image_title_organisation_and_month(book):
    _, pdf, html = book
    cover = texts(pdf)[0].replace("FIXTURE INSTITUTE", "Fixture Institute")  # small caps
    for text in ("Course reader", "Africa and Latin America", "Fixture Institute",
                 "Test edition · January 2026"):  # fmt: skip
        assert text in cover, text
    images = PdfReader(pdf).pages[0].images
    sizes = sorted((image.image.width, image.image.height) for image in images)
    assert (300, 200) in sizes  # the cover image
    assert 'alt="A field of blue"' in html.read_text("utf-8")


@pytest.mark.slow
def test_the_dark_cover_uses_the_reversed_logo(book):
    root, pdf, html = book
    text = html.read_text("utf-8")
    light = base64.b64encode((root / "themes/house/logo-light.png").read_bytes()).decode()
    dark = base64.b64encode((root / "themes/house/logo.png").read_bytes()).decode()
    cover = text[text.index('<header class="cover') : text.index("</header>")]
    assert light in cover and dark not in cover
    assert "plate" not in cover  # the white plate is only for a logo without a light version


@pytest.mark.slow
def test_the_imprint_stands_at_the_foot_of_the_verso(book):
    _, pdf, _ = book
    imprint = texts(pdf)[1]
    for text in ("Publisher: Fixture Institute", "ISBN 978-3-16-148410-0",
                 "CC BY 4.0 (Creative Commons Attribution 4.0 International)",
                 "Suggested citation:", "Fixture Institute (2026). Course reader: Africa and",
                 "Cover image: Jane Doe", "Set in Source Serif", "Typeset with casepress"):  # fmt: skip
        assert squash(text) in squash(imprint), text
    height, found = words(pdf, 2)
    assert min(y for _, y, _, _, _ in found) > height * 0.5  # all of it in the lower half
    assert max(y for _, _, _, y, _ in found) > height * 0.8


@pytest.mark.slow
def test_produced_with_false_removes_the_typeset_line(tmp_path):
    root = project_with(tmp_path, "    produced_with: false\n")
    out = tmp_path / "out"
    report = build_handbooks(load_project(root), output_dir=out, formats=("html",))
    assert report.exit_code == 0
    assert "Typeset with casepress" not in (out / "course.html").read_text("utf-8")


@pytest.mark.slow
def test_contents_numbers_parts_and_aligns_folios_flush_right(book):
    _, pdf, _ = book
    pages = texts(pdf)
    number = next(i for i, p in enumerate(pages) if p.lstrip().startswith("Contents")) + 1
    contents = pages[number - 1]
    assert re.search(r"(?i)part.I\b", contents) and re.search(r"(?i)part.II\b", contents)
    _, found = words(pdf, number)
    folios = [x1 for _, _, x1, _, w in found if re.fullmatch(r"\d+|[ivx]+", w)]
    ends = [x1 for x1 in folios if x1 > max(folios) - 20]
    assert len(ends) >= 8  # introduction, 2 parts, 4 chapters, indexes
    assert max(ends) - min(ends) < 0.5, ends


@pytest.mark.slow
def test_part_dividers_and_chapter_openers_carry_no_running_head(book):
    _, pdf, _ = book
    pages = texts(pdf)
    dividers = [p for p in pages if re.match(r"(?i)\s*part.I", p)]
    openers = [p for p in pages if "CASESTUDY" in squash(p).upper()]
    assert len(dividers) == 2 and len(openers) == 4
    for page in dividers + openers:
        assert "Course reader" not in page
    # the chapter opener shows its case number; other chapter pages keep their heads
    assert any(re.search(r"(?i)case.1\b", p) for p in openers)
    # …on the kicker's line, not as a second kicker above it
    assert any(re.search(r"(?i)case 1 · case study", p) for p in openers), openers[0][:80]
    assert sum("Course reader" in p for p in pages) >= 2


@pytest.mark.slow
def test_short_indexes_share_a_page(book):
    _, pdf, _ = book
    shared = [p for p in texts(pdf) if "Cases by country" in p and "Cases by theme" in p]
    assert len(shared) == 2  # the contents and the indexes' page


def test_a_cover_image_without_alt_text_is_warned_about_at_its_line(tmp_path):
    project = load_project(project_with(tmp_path, "    cover_image: cover.png\n"))
    (warning,) = [w for w in project.warnings if w.field == "handbooks.course.cover_image"]
    assert (warning.severity, warning.line, warning.column) == ("warning", 15, 18)
    assert "no text alternative" in warning.message
    decorative = "    cover_image: {file: cover.png, alt: ''}\n"
    assert not load_project(project_with(tmp_path / "d", decorative)).warnings
