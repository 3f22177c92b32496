"""Handbooks read back as a reader would: contents, indexes and cross-references point at
the right pages, bookmarks match the contents, and the edition holds exactly its cases."""

import re
import subprocess

import pytest
from pypdf import PdfReader

from casepress import build_handbooks, load_cases, load_project
from casepress.build import cache
from casepress.checks import quality
from casepress.cli import main
from conftest import PROJECTS, ROOT, copy_project, outline, squash

FIXTURE = PROJECTS / "handbook"
TITLES = {
    "alpha-police": "Community policing in Ghana",
    "beta-justice": "Transitional justice in Colombia",
    "gamma-defence": "Defence reform in Liberia and Sierra Leone",
    "delta-out": "Police reform in Georgia",
    "epsilon-bridges": "Bridging regions: an exchange programme",
}
PARTS = ["Sub-Saharan Africa", "Latin America and the Caribbean"]


def page_texts(path) -> list[str]:
    """pdftotext's reading of each page (poppler is what most readers' tools use)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.split("\f")[:-1]


def printed_numbers(path) -> list[str]:
    """The page number printed in each page's footer ('' where none is printed)."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    numbers = []
    for page in out.split("\f")[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        # the footer line: the number alone, or set well apart from the footer text
        match = re.search(r"(?:^|\s{3,})(\d+|[ivxlc]+)$", lines[-1]) if lines else None
        numbers.append(match.group(1) if match else "")
    return numbers


def page_of(number: str, numbers: list[str]) -> int:
    assert numbers.count(number) == 1, (number, numbers)
    return numbers.index(number)


def entries(text: str, titles) -> dict[str, str]:
    """title → the page number printed after it (behind dot leaders) in a contents/index."""
    found = {}
    for title in titles:
        match = re.search(re.escape(title) + r"[\s.]*?(\d+|[ivxlc]+)\b", text)
        if match:
            found[title] = match.group(1)
    return found


@pytest.fixture(scope="module", params=[False, True], ids=["single-pass", "split"])
def course(tmp_path_factory, request):
    """Both ways of laying out a handbook: one document, or chapters merged afterwards."""
    out = tmp_path_factory.mktemp("handbooks")
    project = load_project(FIXTURE)
    report = build_handbooks(project, output_dir=out, split=request.param, jobs=2)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    # the split path really was taken (it falls back to one pass when it cannot be)
    records = cache.Manifest.load(out, out / cache.CACHE_DIR).records
    assert bool(records["course.pdf"].get("units")) == request.param
    return out


@pytest.mark.slow
def test_every_handbook_pdf_passes_every_pdf_ua_check(course):
    for name in ("course.pdf", "explicit.pdf"):
        result = quality.inspect_pdf(course / name)
        assert [(c.id, c.detail) for c in result.failed_checks] == [], name
        assert len(result.checks) == 21


@pytest.mark.slow
def test_the_edition_holds_exactly_the_selected_cases_once(course):
    pdf = course / "course.pdf"
    text = squash("".join(page_texts(pdf)))
    for case_id in ("alpha-police", "beta-justice", "gamma-defence", "epsilon-bridges"):
        assert squash(TITLES[case_id]) in text
    # a case outside the edition appears only as the text of a reference to it
    assert squash("police reform in Georgia (not in this edition)") in text
    assert squash(TITLES["delta-out"]) not in text
    chapters = [t for d, t, _ in outline(pdf) if d == 1]
    # a case with two regions appears once, in its first region's part
    assert chapters == [TITLES["alpha-police"], TITLES["gamma-defence"],
                        TITLES["epsilon-bridges"], TITLES["beta-justice"]]  # fmt: skip


@pytest.mark.slow
def test_every_contents_entry_points_at_the_page_that_holds_it(course):
    pdf = course / "course.pdf"
    pages, numbers = page_texts(pdf), printed_numbers(pdf)
    contents = next(p for p in pages if p.lstrip().startswith("Contents"))
    wanted = ["Introduction", *PARTS, *(TITLES[i] for i in ("alpha-police", "gamma-defence", "epsilon-bridges", "beta-justice")),
              "Cases by country", "Cases by theme"]  # fmt: skip
    listed = entries(contents, wanted)
    assert set(listed) == set(wanted)
    assert listed["Introduction"] == "iv"  # front matter in roman numerals
    assert listed[PARTS[0]] == "1"  # the body starts at 1
    for title, number in listed.items():
        page = pages[page_of(number, numbers)]
        heading = page.split("\n\n", 2)[1] if title in PARTS else page
        assert squash(title) in squash(heading), (title, number)
        if title in TITLES.values():
            assert "CASESTUDY" in squash(page)  # the chapter's first page (letter-spaced)


@pytest.mark.slow
def test_every_index_entry_holds_the_case_it_claims(course):
    pdf = course / "course.pdf"
    pages, numbers = page_texts(pdf), printed_numbers(pdf)
    index_pages = [p for p in pages if "Cases by country\n" in p or "Cases by theme\n" in p]
    assert len(index_pages) >= 1  # short indexes share a page
    checked = 0
    for index in index_pages:
        for match in re.finditer(r"\n([^\n.]+?)[\s.]*?\.\s*(\d+)\n", index):
            title, number = match.group(1).strip(), match.group(2)
            title = next(
                (t for t in TITLES.values() if t.endswith(title) or title.endswith(t)), title
            )
            chapter = pages[page_of(number, numbers)]
            assert squash(title) in squash(chapter), (title, number)
            checked += 1
    assert checked >= 8
    # each country and theme is listed with all of its cases
    countries = index_pages[0]
    for term in ("Angola", "Brazil", "Colombia", "Ghana", "Liberia", "Sierra Leone"):
        assert f"\n{term}\n" in countries


@pytest.mark.slow
def test_cross_references_and_see_also_give_the_right_pages(course):
    pdf = course / "course.pdf"
    pages, numbers = page_texts(pdf), printed_numbers(pdf)
    text = "\n".join(pages)
    refs = re.findall(
        r"(Colombian case|Defence reform in Liberia and Sierra Leone|Community policing in Ghana)\s+\(p\. (\d+)\)",
        text,
    )
    assert len(refs) == 3, refs
    target = {"Colombian case": TITLES["beta-justice"]}
    for label, number in refs:
        chapter = pages[page_of(number, numbers)]
        assert squash(target.get(label, label)) in squash(chapter)
        assert "CASE STUDY" in chapter
    assert "police reform in Georgia (not in this edition)" in text.replace("\n", " ")


@pytest.mark.slow
def test_outline_is_part_case_section_and_matches_the_contents(course):
    marks = outline(course / "course.pdf")
    assert [t for d, t, _ in marks if d == 0] == ["Contents", "Introduction", *PARTS,
                                                  "Cases by country", "Cases by theme"]  # fmt: skip
    sections = [t for d, t, _ in marks if d == 2]
    assert sections[:3] == ["Context", "Lessons learned", "See also"]
    assert all(d <= 2 for d, _, _ in marks)  # lessons stay out of the handbook outline


@pytest.mark.slow
def test_running_heads_and_roman_front_matter(course):
    pdf = course / "course.pdf"
    numbers = printed_numbers(pdf)
    assert numbers[0] == ""  # the cover carries no number
    assert numbers[1:4] == ["ii", "iii", "iv"]
    assert numbers[4:] == [str(n) for n in range(1, len(numbers) - 3)]
    pages = page_texts(pdf)
    chapter = pages[
        page_of(entries(pages[2], [TITLES["gamma-defence"]])[TITLES["gamma-defence"]], numbers) + 1
    ]
    assert "Course reader" in chapter and TITLES["gamma-defence"] in chapter


@pytest.mark.slow
def test_explicit_ids_keep_their_order_without_parts(course):
    marks = outline(course / "explicit.pdf")
    assert [t for d, t, _ in marks if d == 0] == ["Contents", TITLES["gamma-defence"],
                                                  TITLES["alpha-police"], "Cases by country", "Cases by theme"]  # fmt: skip


@pytest.mark.slow
def test_html_edition_is_one_page_with_a_linked_contents(course):
    html = (course / "course.html").read_text("utf-8")
    assert '<meta name="viewport"' in html and "<style>" in html
    targets = set(re.findall(r'href="#([^"]+)"', html))
    anchors = set(re.findall(r'id="([^"]+)"', html))
    assert targets and targets <= anchors
    assert html.count('<article class="case"') == 4


@pytest.mark.slow
def test_ad_hoc_edition_by_region_and_theme(tmp_path, capsys):
    project = copy_project("handbook", tmp_path)
    code = main(["handbook", "-C", str(project), "--title", "Police reform in Africa",
                 "--region", "Sub-Saharan Africa", "--topic", "police reform", "--group-by", "region", "-q"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    pdf = project / "build" / "handbooks" / "police-reform-in-africa.pdf"
    chapters = [t for d, t, _ in outline(pdf) if d == 1]
    assert chapters == [TITLES["alpha-police"], TITLES["gamma-defence"]]
    assert PdfReader(pdf).metadata.title == "Police reform in Africa"


@pytest.mark.slow
def test_duplex_chapters_start_on_right_hand_pages(tmp_path):
    project = copy_project("handbook", tmp_path)
    code = main(["handbook", "-C", str(project), "--title", "Duplex", "--id", "gamma-defence",
                 "--id", "beta-justice", "--id", "alpha-police", "--duplex", "-q", "--format", "pdf"])  # fmt: skip
    assert code == 0
    marks = outline(project / "build" / "handbooks" / "duplex.pdf")
    starts = [page for depth, title, page in marks if depth == 0 and title in TITLES.values()]
    assert len(starts) == 3 and all(page % 2 == 1 for page in starts), starts  # odd = recto


def test_selection_errors_are_positioned_with_suggestions(tmp_path, capsys):
    project = copy_project("handbook", tmp_path)
    (project / "casepress.yaml").write_text(
        "handbooks:\n"
        "  bad:\n"
        "    title: Bad\n"
        "    regions: [Sub-Saharan Afrika]\n"
        "    themes: [Police]\n"
        "  worse:\n"
        "    title: Worse\n"
        "    ids: [alpha-polise]\n"
        "  empty:\n"
        "    title: Empty\n"
        "    countries: [Ghana]\n"
        "    themes: [Transitional justice]\n"
    )
    assert main(["handbook", "-C", str(project), "-q"]) == 2
    err = capsys.readouterr().err
    assert ("casepress.yaml:4:15: handbooks.bad.regions #1: unknown region 'Sub-Saharan Afrika' "
            "(did you mean 'Sub-Saharan Africa'?); a region of your own must be declared under "
            "regions: in casepress.yaml") in err  # fmt: skip
    assert ("casepress.yaml:5:14: handbooks.bad.themes #1: no case is tagged with the theme "
            "'Police' (did you mean 'Police reform'?)") in err  # fmt: skip
    assert ("casepress.yaml:8:11: handbooks.worse.ids #1: no case has the id 'alpha-polise' "
            "(did you mean 'alpha-police'?)") in err  # fmt: skip
    assert (
        "casepress.yaml:10:12: handbooks.empty.title: selects no case; check its ids and filters"
        in err
    )
    assert "Traceback" not in err


def test_ad_hoc_edition_errors_name_the_flag(tmp_path, capsys):
    project = copy_project("handbook", tmp_path)
    code = main(["handbook", "-C", str(project), "--title", "X", "--region", "Latin Amerika"])
    assert code == 2
    assert ("command line: --region: unknown region 'Latin Amerika' (did you mean 'Latin "
            "America and the Caribbean'?); a region of your own must be declared under regions: "
            "in casepress.yaml") in capsys.readouterr().err  # fmt: skip


def test_a_misspelt_country_is_named_as_such_with_the_nearest_country(tmp_path, capsys):
    project = copy_project("handbook", tmp_path)
    for given, said in [
        ("Rusia", "command line: --country: 'Rusia' is not a country (did you mean 'Russia'?)"),
        ("Russia", "command line: --country: no case is tagged with the country 'Russia'"),
    ]:  # fmt: skip
        assert main(["handbook", "-C", str(project), "--title", "X", "--country", given]) == 2
        assert said in capsys.readouterr().err


def test_unknown_case_link_is_a_validation_error(tmp_path):
    project = copy_project("handbook", tmp_path)
    path = project / "cases" / "delta-out.yaml"
    path.write_text(
        path.read_text().replace("lessons:", "outcome: See [x](case:no-such).\nlessons:")
    )
    (problem,) = load_cases(load_project(project)).problems
    assert problem.field == "outcome" and "no case has the id 'no-such'" in problem.message


def test_the_sample_project_defines_a_handbook_grouped_by_region():
    project = load_project(ROOT)
    edition = project.handbooks["ssr-casebook"]
    assert edition.group_by == "region"
