"""Right-to-left PDFs, read back as a reader's tools see them: pdftotext gives the Arabic
text in logical order (Latin words and years where the bidi algorithm puts them), pdftotext
-bbox finds lesson numbers, running head and folio on the mirrored side, pdffonts finds the
Arabic face embedded, and no hyphen is added to Arabic words."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from casepress import build_project, load_project

pytestmark = pytest.mark.slow  # every test here reads PDFs built by the fixture

DATA = Path(__file__).resolve().parent / "data"
ARABIC_CASE = DATA / "islah-qita-al-amn-fi-al-iraq.yaml"
ENGLISH_CASE = Path(__file__).resolve().parents[1] / "cases" / "police-reform-in-sierra-leone.yaml"
ARABIC_WORD = re.compile(r"[\u0621-\u063a\u0641-\u065f\u0670-\u06d3]+|[A-Za-z]+|\d+")
"""A word: Arabic letters with their marks, or Latin letters, or digits (punctuation and
the bidi controls pdftotext writes around Latin runs fall between words)."""


NOTE = "1"
"""The number of the Arabic case's one note."""


def pdftotext(path: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def words(text: str) -> list[str]:
    """The words of a text, note calls (``[^1]``, and the case's one note number as printed,
    raised: pdftotext may give it a line of its own) left out."""
    return [w for w in ARABIC_WORD.findall(re.sub(r"\[\^\d+\]", " ", text)) if w != NOTE]


def visual(word: str) -> str:
    """An Arabic word as pdftotext -bbox spells it: letters in drawing order."""
    return word[::-1]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A library with the Arabic case and an English one, and a handbook of both."""
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext, pdffonts) is not installed")
    folder = tmp_path_factory.mktemp("rtl")
    (folder / "cases").mkdir()
    shutil.copy(ARABIC_CASE, folder / "cases")
    shutil.copy(ENGLISH_CASE, folder / "cases")
    (folder / "casepress.yaml").write_text(
        "title: Test library\nhandbooks:\n  book:\n    title: A book\n", encoding="utf-8"
    )
    report = build_project(load_project(folder, output_dir=folder / "build"))
    assert not report.failures and not report.errors, [str(p) for p in report.problems]
    return folder / "build"


@pytest.fixture(scope="module")
def brief(built) -> Path:
    return built / "briefs" / f"{ARABIC_CASE.stem}.pdf"


def test_pdftotext_gives_each_field_in_logical_order(brief):
    case = yaml.safe_load(ARABIC_CASE.read_text("utf-8"))
    found = words(pdftotext(brief))
    text = " ".join(found)
    fields = [case["summary"], case["context"], case["entry_point"], case["outcome"]]
    fields += [lesson["text"] for lesson in case["lessons"]]
    fields += [lesson["title"] for lesson in case["lessons"]]
    for field in fields:
        for paragraph in field.split("\n\n"):
            if paragraph.startswith("[^"):  # the note, at the page foot
                paragraph = paragraph.split(":", 1)[1]
            expected = " ".join(words(paragraph))
            assert expected in text, paragraph[:60]


def test_latin_words_and_years_sit_where_the_bidi_algorithm_puts_them(brief):
    text = " ".join(words(pdftotext(brief)))
    assert "سلطة الائتلاف المؤقتة CPA أمرها رقم 2 الذي" in text  # "(CPA)", "2": in place
    assert "وإعادة الإدماج DDR للمقاتلين" in text
    assert "في أيار مايو 2003 أصدرت" in text
    assert "تضمّن" not in text  # (not in the case) and marks stay on their letters:
    for word in ("محدوداً", "شكّل", "يقدّر", "جزءاً", "فراغاً", "أمنياً"):
        assert word in text, word


def test_arabic_labels_and_date_in_the_pdf(brief):
    text = pdftotext(brief)
    for label in ("دراسة حالة", "السياق", "مدخل التدخل", "الدروس المستفادة", "النتائج"):
        assert label in text
    joined = " ".join(words(text))
    assert "تاريخ النشر 15 مارس 2026" in joined  # published: 2026-03-15
    assert "الصفحة من 2" in joined and "الصفحة 2 من 2" in joined  # ("1": NOTE, left out)
    assert "Lessons learned" not in text and "Case study" not in text.title()


def test_the_arabic_face_is_embedded_as_a_subset(brief):
    fonts = pdftotext_fonts(brief)
    naskh = [f for f in fonts if "Noto-Naskh-Arabic" in f[0]]
    assert {f[0].split("+")[1] for f in naskh} == {"Noto-Naskh-Arabic", "Noto-Naskh-Arabic-Bold"}
    assert all(re.match(r"[A-Z]{6}\+", f[0]) and f[1:3] == ["yes", "yes"] for f in naskh)
    assert not [f for f in fonts if "DejaVu" in f[0]]  # no fallback face
    assert any("Source-Serif-Pro" in f[0] for f in fonts)  # Latin words keep theirs


def pdftotext_fonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return [[line.split()[0], *line.split()[-5:-3]] for line in out.stdout.splitlines()[2:]]


def bbox_words(path: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        pdftotext(path, "-bbox", "-f", str(page), "-l", str(page)),
    )
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in found]


def page_width(path: Path) -> float:
    return float(PdfReader(path).pages[0].mediabox.width)


def beside(word, title) -> bool:
    """A lone digit on the line of a lesson title: the lesson's number."""
    middle = (word[1] + word[3]) / 2
    return bool(re.fullmatch(r"\d", word[4])) and title[1] < middle < title[3]


def test_lesson_numbers_folio_and_running_head_are_mirrored(built, brief):
    width = page_width(brief)
    english = built / "briefs" / "police-reform-in-sierra-leone.pdf"
    # lesson numbers: beside the lesson's right edge in Arabic, its left edge in English
    arabic = (visual("قرارات"), visual("الأعداد"))
    for path, lessons in ((brief, arabic), (english, ("Long-term", "External"))):
        for lesson in lessons:
            page, title = next(
                (p, w) for p in (1, 2) for w in bbox_words(path, p) if w[4] == lesson
            )
            number = [w for w in bbox_words(path, page) if beside(w, title)]
            assert number, lesson
            if path == brief:  # the number right of the title's line, as a reader starts it
                assert min(w[0] for w in number) > title[2] - 1
            else:
                assert max(w[2] for w in number) < title[0] + 1
    # page 2: the running head at the top right, the folio ("الصفحة 2 من 2") at the bottom left
    page2 = bbox_words(brief, 2)
    height = float(PdfReader(brief).pages[1].mediabox.height)
    head = [w for w in page2 if w[3] < 60]
    foot = [w for w in page2 if w[1] > height - 70]
    assert head and min(w[0] for w in head) > width / 2
    assert foot and max(w[2] for w in foot) < width / 2
    english_foot = [w for w in bbox_words(english, 2) if w[1] > height - 70 and w[4] == "Page"]
    assert english_foot and english_foot[0][0] > width / 2


def test_no_hyphen_is_added_to_arabic_words(brief):
    text = pdftotext(brief)
    assert "\u00ad" not in text
    lines = [line.strip("\u202a\u202b\u202c\u202d\u202e ") for line in text.splitlines()]
    assert not [line for line in lines if line.endswith("-") and re.search("[\u0600-\u06ff]", line)]


def test_the_pdf_says_it_reads_right_to_left(built, brief):
    assert PdfReader(brief).trailer["/Root"]["/ViewerPreferences"]["/Direction"] == "/R2L"
    english = PdfReader(built / "briefs" / "police-reform-in-sierra-leone.pdf")
    assert "/Direction" not in english.trailer["/Root"].get("/ViewerPreferences", {})
    html = (built / "briefs" / f"{ARABIC_CASE.stem}.html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in html


def test_the_arabic_chapter_of_an_english_handbook_is_mirrored(built):
    book = built / "handbooks" / "book.pdf"
    width = page_width(book)
    pages = len(PdfReader(book).pages)
    found = {}
    for page in range(1, pages + 1):
        for x0, y0, x1, y1, word in bbox_words(book, page):
            if word in (visual("قرارات"), "Long-term") and word not in found:
                found[word] = ((x0, y0, x1, y1, word), page)
    numbers = {
        key: [w for w in bbox_words(book, page) if beside(w, title)]
        for key, (title, page) in found.items()
    }
    arabic, english = found[visual("قرارات")][0], found["Long-term"][0]
    assert min(w[0] for w in numbers[visual("قرارات")]) > arabic[2] - 1  # badge on the right
    assert max(w[2] for w in numbers["Long-term"]) < english[0] + 1  # on the left
    assert arabic[2] > width / 2 and english[0] < width / 2


def test_a_theme_can_name_another_arabic_face(tmp_path):
    dejavu = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not dejavu.is_file() or not shutil.which("pdffonts"):
        pytest.skip("needs DejaVu Sans (fonts-dejavu-core) and pdffonts")
    folder = tmp_path / "p"
    (folder / "cases").mkdir(parents=True)
    shutil.copy(ARABIC_CASE, folder / "cases")
    theme = folder / "themes" / "arabic"
    (theme / "fonts").mkdir(parents=True)
    shutil.copy(dejavu, theme / "fonts" / "ArabicFace.ttf")
    (theme / "theme.yaml").write_text(
        "name: arabic\nextends: base\n"
        "fonts:\n  arabic:\n    family: Library Arabic\n    regular: fonts/ArabicFace.ttf\n",
        encoding="utf-8",
    )
    (folder / "casepress.yaml").write_text("title: T\ntheme: arabic\n", encoding="utf-8")
    report = build_project(load_project(folder, output_dir=folder / "build"))
    assert not report.failures and not report.errors, [str(p) for p in report.problems]
    fonts = [f[0] for f in pdftotext_fonts(folder / "build" / "briefs" / f"{ARABIC_CASE.stem}.pdf")]
    assert any(f.endswith("+Library-Arabic") for f in fonts)  # named after its family
    assert not any("Noto-Naskh-Arabic" in f for f in fonts)
