"""Right-to-left languages without a PDF: the direction of a language, dir in the HTML of a
brief and of a mixed handbook, the Arabic labels and dates, and the marks' text spans."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from casepress import load_project
from casepress.model import labels
from casepress.model.cases import load_cases
from casepress.model.direction import text_direction
from casepress.model.editions import plan_handbook
from casepress.pdf import marks
from casepress.render.renderer import Renderer
from casepress.theme.chain import theme_for

DATA = Path(__file__).resolve().parent / "data"
ARABIC_CASE = DATA / "islah-qita-al-amn-fi-al-iraq.yaml"
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("tag", "direction"),
    [
        ("ar", "rtl"),
        ("ar-EG", "rtl"),
        ("fa", "rtl"),
        ("fa-IR", "rtl"),
        ("ur", "rtl"),
        ("he", "rtl"),
        ("ps", "rtl"),
        ("ckb", "rtl"),
        ("pa-Arab", "rtl"),  # Punjabi in Shahmukhi
        ("ar-Latn", "ltr"),  # Arabic in Latin letters
        ("en", "ltr"),
        ("fr", "ltr"),
        ("es-419", "ltr"),
        ("ru", "ltr"),
        ("zz", "ltr"),  # unknown: left to right, as without dir
        ("", "ltr"),
    ],
)
def test_direction_comes_from_the_language(tag, direction):
    assert text_direction(tag) == direction


@pytest.mark.parametrize(
    ("written", "listed"),
    [
        ("الشرق الأوسط وشمال أفريقيا", "الشرق الأوسط وشمال أفريقيا"),
        ("الشرق الاوسط و شمال افريقيا", "الشرق الأوسط وشمال أفريقيا"),  # no hamza, split و
        ("أفريقيا جنوب الصحراء الكبرى", "أفريقيا جنوب الصحراء الكبرى"),
    ],
)
def test_an_arabic_case_names_its_region_in_arabic(written, listed):
    from casepress.model.places import check_region

    assert check_region(written, ())[0] == listed
    assert check_region("الساحل", ())[0] is None  # lies within a region: the project declares it


def test_arabic_labels_translate_every_english_label():
    english, arabic = labels.builtin_labels("en"), labels.builtin_labels("ar")
    assert set(arabic) == set(english)
    for key, text in english.items():
        assert set(re.findall(r"{\w+}", arabic[key])) == set(re.findall(r"{\w+}", text)), key
        if key not in ("pdf", "date_format", "isbn", "doi"):  # the same in both
            assert arabic[key] != text, f"{key} is not translated"
            assert re.search(r"[\u0600-\u06ff]", arabic[key]), f"{key} has no Arabic"
    assert labels.has_labels("ar", {})
    assert labels.label_set("ar-IQ", {})["lessons"] == "الدروس المستفادة"


def arabic_project(folder: Path, *, language: str = "en", handbook: bool = False) -> Path:
    (folder / "cases").mkdir(parents=True)
    shutil.copy(ARABIC_CASE, folder / "cases")
    shutil.copy(ROOT / "cases" / "police-reform-in-sierra-leone.yaml", folder / "cases")
    settings = f"title: Test library\nlanguage: {language}\n"
    if handbook:
        settings += "handbooks:\n  book:\n    title: A book\n"
    (folder / "casepress.yaml").write_text(settings, encoding="utf-8")
    return folder


def renderer_for(folder: Path):
    loaded = load_project(folder)
    catalogue = load_cases(loaded)
    assert not [p for p in catalogue.problems if p.severity == "error"], catalogue.problems
    return loaded, catalogue, Renderer(loaded, theme_for(loaded))


def test_an_arabic_brief_is_right_to_left_with_arabic_labels(tmp_path, monkeypatch):
    folder = arabic_project(tmp_path / "p")
    monkeypatch.chdir(folder)
    _, catalogue, renderer = renderer_for(folder)
    case = next(c for c in catalogue.cases if c.language == "ar")
    html = renderer.render_brief(case, target="html")
    assert '<html lang="ar" dir="rtl">' in html
    assert re.search(r'<article class="case"[^>]*lang="ar"[^>]*>', html)
    assert 'lang="ar" dir=' not in html.split("<article", 1)[1].split(">", 1)[0]  # said once
    for label in ("دراسة حالة", "السياق", "مدخل التدخل", "الدروس المستفادة", "النتائج"):
        assert label in html
    assert "15 مارس 2026" in html  # published: 2026-03-15, in Arabic (Babel)
    english = next(c for c in catalogue.cases if c.language == "en")
    assert "dir=" not in renderer.render_brief(english, target="html").split("<head>")[0]


def test_a_handbook_marks_the_direction_of_each_case(tmp_path, monkeypatch):
    for language, root_dir, article in (("en", None, "ar"), ("ar", "rtl", "en")):
        folder = arabic_project(tmp_path / language, language=language, handbook=True)
        monkeypatch.chdir(folder)
        loaded, catalogue, renderer = renderer_for(folder)
        plan = plan_handbook(loaded.handbooks["book"], catalogue, loaded)
        html = renderer.render_handbook(plan, target="html")
        head = html.split("<head>")[0]
        assert (f'dir="{root_dir}"' in head) if root_dir else ("dir=" not in head)
        tags = re.findall(r'<article class="case"[^>]*>', html)
        other = {"ar": "rtl", "en": "ltr"}[article]
        assert [t for t in tags if "dir=" in t] == [
            t for t in tags if f'lang="{article}"' in t and f'dir="{other}"' in t
        ]
        assert len([t for t in tags if "dir=" in t]) == 1


def test_the_rtl_sheet_loads_for_every_document_and_only_mirrors_rtl(tmp_path):
    sheet = (ROOT / "styles" / "rtl.css").read_text("utf-8")
    rules = re.sub(r"/\*.*?\*/", "", sheet, flags=re.S)
    for selector in re.findall(r"([^{};]+)\{", rules):
        selector = selector.strip()
        if selector.startswith(("@media", "@page", "@top", "@bottom", "@footnote")):
            continue
        for part in selector.split(","):
            assert "[dir=rtl]" in part, part  # nothing here touches a left-to-right page


class _Font:
    def __init__(self, to_unicode):
        self.hash = "F1"
        self.to_unicode = to_unicode


class _Stream:
    def __init__(self, font):
        self._fonts = {"f": font}


def test_a_raised_mark_extracts_with_its_letter():
    # "تضمّن" as WeasyPrint 70 draws it: the shadda (glyph 0x593) raised with Ts, before
    # its letter meem (0x1e4) in drawing order (right to left)
    font = _Font({0x1E8: "\u0646", 0x593: "\u0651", 0x1E4: "\u0645", 0x11D: "\u0636"})
    items = [
        b"/F1 26.6 Tf",
        b"[<01e8>0] TJ",
        b"3.113 Ts",
        b"[-143.366<0593>] TJ",
        b"0 Ts",
        b"[<>143<01e4>0<011d>0] TJ",
    ]
    out = marks.with_mark_spans(_Stream(font), items)
    assert out == [
        b"/F1 26.6 Tf",
        b"[<01e8>0] TJ",
        b"/Span <</ActualText ()>> BDC",
        b"3.113 Ts",
        b"[-143.366<0593>] TJ",
        b"0 Ts",
        b"EMC",
        b"[<>143] TJ",
        b"/Span <</ActualText <FEFF06510645>>> BDC",  # mark, letter: poppler reverses the word
        b"[<01e4>] TJ",
        b"EMC",
        b"[0<011d>0] TJ",
    ]


def test_a_raised_mark_on_a_latin_letter_is_left_alone():
    font = _Font({0x10: "e", 0x20: "\u0301"})
    items = [b"/F1 10 Tf", b"2 Ts", b"[<0020>] TJ", b"0 Ts", b"[<0010>] TJ"]
    assert marks.with_mark_spans(_Stream(font), items)[-1] == b"[<0010>] TJ"
    assert b"/Span <</ActualText <FEFF" not in b"".join(marks.with_mark_spans(_Stream(font), items))


def test_the_arabic_test_case_is_a_valid_case_with_latin_words_and_years():
    case = yaml.safe_load(ARABIC_CASE.read_text("utf-8"))
    assert case["language"] == "ar"
    assert "(CPA)" in case["context"] and "(DDR)" in case["entry_point"]
    assert "2003" in case["context"]


def test_an_arabic_month_is_a_date(tmp_path, monkeypatch):
    from casepress.model.schema import Month

    folder = arabic_project(tmp_path / "p")
    text = ARABIC_CASE.read_text("utf-8").replace("published: 2026-03-15", "published: مارس 2026")
    (folder / "cases" / ARABIC_CASE.name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(folder)
    _, catalogue, renderer = renderer_for(folder)
    case = next(c for c in catalogue.cases if c.language == "ar")
    assert case.published == Month(2026, 3, 1)
    assert "مارس 2026" in renderer.render_brief(case, target="html")


def test_the_site_index_sets_each_arabic_entry_right_to_left(tmp_path, monkeypatch):
    from casepress.cli import main

    folder = arabic_project(tmp_path / "p")
    monkeypatch.chdir(folder)
    assert main(["build", "-q", "--format", "html"]) == 0
    index = (folder / "build" / "site" / "index.html").read_text("utf-8")
    versions = re.findall(r'<div class="case-version"[^>]*>', index)
    assert [("dir=" in v) for v in versions] == [('lang="ar"' in v) for v in versions]
    assert any('lang="ar" dir="rtl"' in v for v in versions)
    page = (folder / "build" / "site" / "cases" / f"{ARABIC_CASE.stem}.html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in page
