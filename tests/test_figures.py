"""Figures and tables: numbered captions, source lines, localised labels, table typography,
and figures that shrink into the space left rather than leaving a hole (issue 14, item 2).

HTML structure is read from rendered briefs (quick); the PDF tests read a Letter brief
back with pdftotext and pdfimages (slow, one build shared by the module)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from casepress import build_briefs, load_project
from casepress.build.driver import with_theme_defaults
from casepress.model.cases import load_cases
from casepress.model.figures import numbering
from casepress.model.markup import render_markdown
from casepress.render.renderer import Renderer
from casepress.theme.chain import load_theme


def chart(path: Path, width: int = 900, height: int = 1000) -> Path:
    """A bar chart PNG, tall enough to be pushed off page 1 of a Letter brief."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for i, value in enumerate([0.3, 0.45, 0.52, 0.61, 0.58, 0.64]):
        top = height - 40 - int(value * (height - 80))
        draw.rectangle([60 + i * 135, top, 150 + i * 135, height - 40], fill=(22, 58, 95))
    draw.line([40, height - 40, width - 20, height - 40], fill="black", width=3)
    image.save(path)
    return path


CHART_CASE = """\
title: Police numbers in a post-conflict state
summary: How the police service grew after the peace agreement, and what the numbers hide.
countries: [Liberia]
context: |
  After the comprehensive peace agreement of 2003, the national police had to be rebuilt
  almost from nothing. Recruitment was vetted, trained and paid by international partners,
  and the numbers grew quickly. This case follows the growth of the service over six years
  and asks what the numbers hide about its reach outside the capital.

  The numbers below come from the ministry's annual reports. They count sworn officers,
  not civilian staff, and do not include the units trained for the border.

  ![Bar chart of sworn officers per year, rising from 3,000 in 2004 to 6,400 in 2009](chart.png "Sworn police officers, 2004–2009")

  Source: Ministry of Justice, annual reports 2004–2009.

  Growth was steady but uneven: most new officers were posted in Monrovia, and the
  counties of the south-east saw few of them before 2008.

  Table: Officers by county, 2009

  | County | Officers | Per 10,000 people |
  |---|---|---|
  | Montserrado | 3,950 | 34.1 |
  | Nimba | 610 | 13.2 |
  | Bong | 420 | 12.5 |
  | Grand Gedeh | 150 | 12.1 |

  Source: UNMIL police component.
lessons:
  - title: Count what matters
    text: |
      Numbers of officers say little about the service people get.

      ![Map of police posts](chart.png "Police posts outside Monrovia")
  - text: |
      A second lesson, with a table after its text.

      | Year | Posts |
      |---|---:|
      | 2008 | 12 |

      Table: Police posts
outcome: |
  By 2009 the service had doubled.

  ![A photograph without a caption](chart.png)
"""


def project(folder: Path, case: str = CHART_CASE, settings: str = "page_size: Letter\n") -> Path:
    (folder / "cases").mkdir(parents=True, exist_ok=True)
    (folder / "casepress.yaml").write_text("title: Figures\n" + settings)
    (folder / "cases" / "chart-brief.yaml").write_text(case)
    chart(folder / "cases" / "chart.png")
    return folder


def brief_html(folder: Path) -> str:
    loaded = load_project(folder)
    theme = load_theme(loaded.root, loaded.theme, labels=loaded.labels)
    catalogue = load_cases(with_theme_defaults(loaded, theme))
    assert not [p for p in catalogue.problems if p.severity == "error"], catalogue.problems
    return Renderer(loaded, theme).render_brief(catalogue.cases[0], target="html")


@pytest.fixture(scope="module")
def chart_project(tmp_path_factory) -> Path:
    return project(tmp_path_factory.mktemp("figures") / "project")


@pytest.fixture(scope="module")
def html(chart_project) -> str:
    return brief_html(chart_project)


def visible(html: str) -> str:
    """Text a reader sees, tags removed and spaces squeezed."""
    text = re.sub(r"<[^>]+>", "", html).replace("&nbsp;", "\u00a0").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text)


def test_a_lone_image_is_a_figure_with_its_title_as_caption_and_alt_kept():
    html = render_markdown('Text.\n\n![A bar chart](c.png "Police numbers")\n\nMore.')
    figure = re.search(r"<figure\b[^>]*>.*?</figure>", html, re.S)[0]
    assert 'alt="A bar chart"' in figure and "title=" not in figure
    caption = re.search(r"<figcaption>(.*)</figcaption>", figure, re.S)[1]
    assert visible(caption) == "Figure 1. Police numbers"
    assert "A bar chart" not in caption  # the alt text is never the caption
    assert "<p><img" not in html


def test_an_author_marks_a_figure_or_table_wide():
    html = render_markdown(
        '![A chart](c.png "Wide"){: .wide}\n\n![B](d.png "Narrow")\n\n'
        "Table: Budget lines\n{: .wide}\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert re.findall(r"<figure class=\"([^\"]*)\"", html) == ["figure wide", "figure"]
    assert 'class="table-block short wide"' in html
    assert "<img" in html and 'class="wide"' not in html  # moved to the block


def test_figures_and_tables_are_numbered_through_the_case_across_fields(html):
    text = visible(html)
    assert re.findall(r"(Figure \d+)\. ", text) == ["Figure 1", "Figure 2"]
    assert re.findall(r"(Table \d+)\. ", text) == ["Table 1", "Table 2"]
    assert "Figure 1. Sworn police officers, 2004–2009" in text
    assert "Figure 2. Police posts outside Monrovia" in text  # in a lesson
    assert "Table 2. Police posts" in text  # caption after the table
    # reading order: the context's figure, its table, the lesson's figure, its table
    order = [text.index(n) for n in ("Figure 1.", "Table 1.", "Figure 2.", "Table 2.")]
    assert order == sorted(order)


def test_a_figure_without_caption_has_no_number_and_no_empty_caption(html):
    last = re.findall(r"<figure\b.*?</figure>", html, re.S)[-1]
    assert 'alt="A photograph without a caption"' in last
    assert "<figcaption" not in last and "Figure 3" not in html


def test_table_caption_and_source_line(html):
    block = re.search(r'<div class="table-block[^"]*">.*?</div>', html, re.S)[0]
    caption = re.search(r"<caption>(.*?)</caption>", block, re.S)[1]
    assert visible(caption) == "Table 1. Officers by county, 2009"
    assert block.index("<caption>") < block.index("<thead>")  # above the table
    source = re.search(r'<p class="figure-source">(.*?)</p>', block, re.S)[1]
    assert visible(source) == "Source: UNMIL police component."
    assert block.index("</table>") < block.index('class="figure-source"')
    assert "<p>Table:" not in html and "<p>Source:" not in html  # no stray paragraphs


def test_figure_source_line_is_in_its_caption(html):
    first = re.search(r"<figure\b.*?</figure>", html, re.S)[0]
    caption = re.search(r"<figcaption>(.*)</figcaption>", first, re.S)[1]
    assert visible(caption) == (
        "Figure 1. Sworn police officers, 2004–2009 "
        "Source: Ministry of Justice, annual reports 2004–2009."
    )
    assert 'class="figure-source"' in caption


def test_numeric_columns_are_flush_right_and_the_first_column_is_not(html):
    table = re.search(r"<table\b.*?</table>", html, re.S)[0]
    cells = re.findall(r'<td(?: class="([^"]*)")?[^>]*>([^<]*)</td>', table)
    assert ("", "Montserrado") in cells
    assert ("numeric", "3,950") in cells and ("numeric", "34.1") in cells
    # an author's own alignment (---:) is left as it is
    second = re.findall(r"<table\b.*?</table>", html, re.S)[1]
    assert 'style="text-align: right;">12<' in second or 'style="text-align:right">12<' in second


def test_the_sanitiser_keeps_what_figures_and_tables_need():
    with numbering():
        html = render_markdown(
            '![Chart](c.png "Caption")\n\nSource: *the ministry*\n\n'
            "| a | b |\n|---|---|\n| x | 1 |\n\nTable: T",
            sanitise=True,
        )
    for kept in ("<figure", "<figcaption>", "<caption>", 'class="caption-label"',
                 'class="figure-source"', 'class="numeric"', 'id="figure-1"'):  # fmt: skip
        assert kept in html, kept
    assert "<em>the ministry</em>" in html


@pytest.mark.parametrize(
    ("language", "figure", "table", "source"),
    [("fr", "Figure", "Tableau", "Source :"), ("es", "Figura", "Tabla", "Fuente:")],
)
def test_labels_follow_the_case_language(tmp_path, language, figure, table, source):
    word = {"fr": "Source :", "es": "Fuente:"}[language]
    case = (
        f"title: T\nlanguage: {language}\ncontext: |\n"
        f'  ![Graphique](chart.png "Effectifs")\n\n  {word} ministère\n\n'
        f"  Table: Budget\n\n  | a | b |\n  |---|---|\n  | x | 1 |\n"
        "lessons:\n  - text: L.\n"
    )
    text = visible(brief_html(project(tmp_path, case, "")))
    assert f"{figure} 1. Effectifs" in text
    assert f"{table} 1. Budget" in text
    assert f"{source} ministère" in text


def test_a_project_can_rename_the_labels(tmp_path):
    settings = "labels:\n  en:\n    figure: Chart\n    table: Exhibit\n"
    text = visible(brief_html(project(tmp_path, settings=settings)))
    assert "Chart 1. Sworn police officers" in text and "Exhibit 1. Officers" in text


def test_an_image_without_alt_text_is_still_reported(tmp_path):
    case = CHART_CASE.replace("![A photograph without a caption]", "![]")
    loaded = load_project(project(tmp_path, case))
    problems = load_cases(loaded).problems
    assert any("no alt text" in p.message for p in problems), problems


# --- PDF: read back ------------------------------------------------------------------


@pytest.fixture(scope="module")
def letter_pdf(chart_project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("figures-build")
    build_briefs(load_project(chart_project, output_dir=out), formats=("pdf",))
    pdf = out / "briefs" / "chart-brief.pdf"
    assert pdf.is_file(), list(out.rglob("*"))
    return pdf


def need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} (poppler-utils) is not installed")


def page_text(pdf: Path, page: int) -> str:
    need("pdftotext")
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def image_pages(pdf: Path) -> list[int]:
    need("pdfimages")
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    return [int(line.split()[0]) for line in listing.splitlines()[2:] if line.strip()]


def lines(pdf: Path, page: int) -> tuple[float, list[tuple[float, float, str]]]:
    """The page height and its text lines as (top, bottom, text), from -bbox-layout."""
    need("pdftotext")
    args = ["pdftotext", "-f", str(page), "-l", str(page), "-bbox-layout", str(pdf), "-"]
    xml = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', xml)[1])
    found = []
    for line in re.findall(r"<line [^>]*>.*?</line>", xml, re.S):
        y_min, y_max = (float(v) for v in re.search(r'yMin="([\d.]+)" \S+ yMax="([\d.]+)"',
                                                    line).groups())  # fmt: skip
        words = " ".join(re.findall(r">([^<]+)</word>", line))
        found.append((y_min, y_max, words))
    return height, found


@pytest.mark.slow
def test_each_caption_is_on_the_page_of_its_image(letter_pdf):
    pages = image_pages(letter_pdf)
    assert len(pages) == 3, pages  # the chart twice, the uncaptioned photograph
    for number, page in (("Figure 1.", pages[0]), ("Figure 2.", pages[1])):
        assert number in page_text(letter_pdf, page), (number, page)


@pytest.mark.slow
def test_a_pushed_chart_shrinks_instead_of_leaving_page_1_empty(letter_pdf):
    """The issue's Letter brief: a tall chart jumped to page 2 and left page 1 ~40% empty."""
    assert image_pages(letter_pdf)[0] == 1  # the chart stays on page 1
    height, found = lines(letter_pdf, 1)
    footer = max(found, key=lambda line: line[0])  # "Page 1 of N", in the bottom margin
    body = [line for line in found if line is not footer]
    top = min(line[0] for line in body)
    bottom = footer[0] - 12  # the margin box's padding above the footer line
    lowest = max(line[1] for line in body)
    empty = (bottom - lowest) / (bottom - top)
    assert empty <= 0.25, (empty, body[-3:])
    assert "Figure 1." in page_text(letter_pdf, 1)


@pytest.mark.slow
def test_fitting_shrinks_only_pushed_figures_and_not_below_the_limit(tmp_path):
    from casepress.pdf import fitting
    from casepress.pdf.writer import PdfRenderer

    chart(tmp_path / "chart.png", 900, 600)
    renderer = PdfRenderer([], roots=[tmp_path])
    style = (
        "<style>@page { size: 200mm 200mm; margin: 10mm } p { margin: 0 }"
        " img { max-width: 100% }</style>"
    )
    text = "<p>" + "Some words of text. " * 70 + "</p>"  # a hole of about 40% below it

    def figure(name: str) -> str:
        return f'<figure class="figure" id="{name}"><img src="chart.png" alt="x"></figure>'

    def laid_out(body: str):
        document, _ = renderer.render(style + body, tmp_path)
        return document, fitting._first_pages(document)

    # a forced page break before it: not pushed, not touched
    forced, pages = laid_out(text + '<div style="break-before: page"></div>' + figure("f"))
    assert pages == {"f": 1}
    assert fitting.pushed_figures(forced) == []
    # far too little room left (it would need to shrink below 60%): it moves on whole
    crowded = "<p>" + "Some words of text. " * 90 + "</p>"
    document, pages = laid_out(crowded + figure("g"))
    assert pages == {"g": 1}
    image = next(b for b in document.pages[1]._page_box.descendants()
                 if type(b).__name__.endswith("ReplacedBox"))  # fmt: skip
    assert image.height == pytest.approx(image.width * 600 / 900, rel=0.01)  # natural ratio
    # a little too little room: it shrinks and stays
    document, pages = laid_out(text + figure("h"))
    assert pages == {"h": 0} and len(document.pages) == 1
    # inside a chapter that began with a forced break on an earlier page: shrinks too
    chapter = '<p>Before.</p><div style="break-before: page">' + text + figure("k") + "</div>"
    document, pages = laid_out(chapter)
    assert pages == {"k": 1} and len(document.pages) == 2


def test_each_handbook_chapter_numbers_its_figures_from_1(tmp_path):
    from casepress.model.editions import plan_handbook
    from casepress.theme.chain import theme_for

    folder = project(tmp_path, settings="handbooks:\n  book:\n    title: Reader\n")
    second = CHART_CASE.replace("title: Police numbers", "title: Prison numbers")
    (folder / "cases" / "second.yaml").write_text(second)
    loaded = load_project(folder)
    theme = theme_for(loaded)
    loaded = with_theme_defaults(loaded, theme)
    catalogue = load_cases(loaded)
    plan = plan_handbook(loaded.handbooks["book"], catalogue, loaded)
    text = visible(Renderer(loaded, theme).render_handbook(plan, target="html"))
    assert re.findall(r"(Figure \d+)\. ", text) == ["Figure 1", "Figure 2"] * 2
    assert re.findall(r"(Table \d+)\. ", text) == ["Table 1", "Table 2"] * 2


@pytest.mark.slow
def test_table_figures_are_tabular(letter_pdf):
    """Tabular figures: '610', '420' and '150' (and '13.2', '12.1') are equally wide; the
    body's proportional figures made '1' narrower (13.05 against 14.3 pt before)."""
    need("pdftotext")
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(letter_pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    widths = {
        word: round(float(x_max) - float(x_min), 2)
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>', xml
        )
    }
    assert widths["610"] == widths["420"] == widths["150"], widths
    assert widths["13.2"] == widths["12.1"], widths
