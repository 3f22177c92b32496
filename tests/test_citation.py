"""Citable cases (issue 17, item 5): authors with their parts, series and number, DOI,
draft or published; the "Cite as" line, the Draft notice, the site's BibTeX and CSL-JSON
files; handbooks leave drafts out and say so. PDFs: test_citation_pdf.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors
from pylatexenc.latex2text import LatexNodes2Text

from casepress.build.driver import build_site
from casepress.cli import main
from casepress.errors import display_path
from casepress.model.cases import case_schema, load_cases
from casepress.model.citation import checked_doi, checked_orcid, cite_line, name_parts
from casepress.model.editions import drafts_message, plan_handbook
from casepress.model.labels import builtin_labels
from casepress.model.project import load_project
from citeproject import IDS, make_project


@pytest.fixture(scope="module")
def project_root(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("cite"))


@pytest.fixture(scope="module")
def catalogue(project_root):
    found = load_cases(load_project(project_root))
    assert [p for p in found.problems if p.severity == "error"] == []
    return found


@pytest.fixture(scope="module")
def site(project_root, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cite-site")
    report = build_site(load_project(project_root), output_dir=out, pdfs={}, handbooks={})
    assert report.failures == [] and report.errors == []
    return out


def parse_bibtex(text: str):
    """Entries as a LaTeX reader sees them: names split first (braces keep a literal name
    whole), then LaTeX decoded back to Unicode."""
    library = bibtexparser.parse_string(
        text, append_middleware=[SeparateCoAuthors(), LatexDecodingMiddleware()]
    )
    assert library.failed_blocks == []
    return library.entries


def test_authors_are_names_as_written_or_their_parts(catalogue):
    peru = catalogue.get("verite-et-rss-au-perou")
    first, second, third = peru.authors
    assert (first.given, first.family, first.affiliation) == (
        "Ana María", "Pérez Ríos", "Instituto de Defensa Legal"
    )  # fmt: skip
    assert first.orcid == "0000-0002-1825-0097"  # the resolver's address dropped
    assert str(first) == "Ana María Pérez Ríos" and second == "Jean Dupont"
    assert peru.doi == "10.1234/ssr.2024.12" and peru.number == "12"
    assert peru.status == "published" and not peru.draft
    assert catalogue.get("a-draft-case").draft


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Jane Smith", ("Jane", "Smith")),
        ("J. R. Smith", ("J. R.", "Smith")),
        ("Jean-Pierre Ndayishimiye", ("Jean-Pierre", "Ndayishimiye")),
        ("Ana María Pérez", (None, None)),  # Ana María + Pérez, or Ana + María Pérez?
        ("Marie de la Tour", (None, None)),
        ("Centre for Security & Peace", (None, None)),
        ("UNDP", (None, None)),
    ],
)
def test_a_plain_name_is_split_only_when_that_is_certain(name, parts):
    assert name_parts(name) == parts


def test_orcid_and_doi_problems_point_at_their_line_and_say_what_to_do(tmp_path, capsys):
    root = make_project(tmp_path)
    bad = (root / "cases" / "plain-case.yaml").read_text("utf-8")
    bad = bad.replace(
        "context:",
        "authors:\n  - {given: Ana, family: Pérez, orcid: 0000-0002-1825-0098}\n"
        "doi: 11.1234/x\nstatus: final\ncontext:",
    )
    (root / "cases" / "plain-case.yaml").write_text(bad, "utf-8")
    assert main(["check", "-C", str(root)]) == 2
    err = capsys.readouterr().err
    assert (
        "cases/plain-case.yaml:3:40: authors #1.orcid: '0000-0002-1825-0098' is not a valid "
        "ORCID iD: its last character should be '7'"
    ) in err
    assert "cases/plain-case.yaml:4:6: doi: expected a DOI such as 10.1234/" in err
    assert "cases/plain-case.yaml:5:9: status: expected one of published, draft" in err
    with pytest.raises(ValueError, match="four groups of four digits"):
        checked_orcid("1234")
    assert checked_orcid("https://orcid.org/0000-0001-5109-3700") == "0000-0001-5109-3700"
    assert checked_orcid("0000-0002-1694-233x") == "0000-0002-1694-233X"  # check digit X
    assert checked_doi("doi:10.5555/12345678") == "10.5555/12345678"


def test_the_json_schema_accepts_both_forms_of_author():
    jsonschema = pytest.importorskip("jsonschema")
    case = {
        "title": "T", "context": "C", "lessons": [{"text": "L"}], "status": "draft",
        "authors": ["Ana María Pérez", {"given": "Jean", "family": "Dupont", "orcid": "x"}],
    }  # fmt: skip
    jsonschema.validate(case, case_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**case, "authors": [{"given": "Jean"}]}, case_schema())


def test_the_cite_line_follows_the_documented_pattern(catalogue):
    labels = builtin_labels("fr")
    line = cite_line(catalogue.get("verite-et-rss-au-perou"), labels, publisher="CSP")
    assert line == (
        "Pérez Ríos, Ana María, Jean Dupont, et Centre for Security &amp; Peace. 2024. "
        "<cite>Recherche de la vérité et RSS au Pérou</cite>. Études de cas RSS, n° 12. CSP. "
        '<a href="https://doi.org/10.1234/ssr.2024.12">https://doi.org/10.1234/ssr.2024.12</a>.'
    )
    plain = cite_line(catalogue.get("plain-case"), builtin_labels("en"), publisher="CSP")
    assert plain == "CSP. n.d. <cite>A plain case</cite>."  # the publisher leads, once
    draft = cite_line(catalogue.get("a-draft-case"), builtin_labels("en"), publisher=None)
    assert draft.startswith("Smith, J. R. n.d. <cite>Police &amp; courts: {braces}, 100%")
    assert draft.endswith("</cite>. Draft.")


def test_the_site_page_cites_the_case_and_links_its_citation_files(site):
    page = (site / "cases" / "verite-et-rss-au-perou.html").read_text("utf-8")
    assert "Pour citer ce cas" in page and "Études de cas RSS, n° 12" in page
    links = re.findall(r'<a href="([^"]+)" download type="([^"]+)">(BibTeX|CSL-JSON)</a>', page)
    assert links == [
        ("verite-et-rss-au-perou.bib", "application/x-bibtex", "BibTeX"),
        ("verite-et-rss-au-perou.csl.json", "application/vnd.citationstyles.csl+json", "CSL-JSON"),
    ]
    assert all((site / "cases" / href).is_file() for href, _, _ in links)
    assert '<meta name="citation_doi" content="10.1234/ssr.2024.12">' in page
    assert 'class="draft-notice' not in page
    draft = (site / "cases" / "a-draft-case.html").read_text("utf-8")
    assert re.search(r'<p class="draft-notice[^"]*" role="note"><strong class="draft-mark">'
                     r"Draft</strong> Not yet published", draft)  # fmt: skip
    index = (site / "index.html").read_text("utf-8")
    assert index.count('<p class="case-item-draft"><span class="draft-mark">Draft</span>') == 1


def test_the_bibtex_files_escape_what_latex_would_misread(site, catalogue):
    for case_id in IDS:
        text = (site / "cases" / f"{case_id}.bib").read_text("utf-8")
        (entry,) = parse_bibtex(text)
        case = catalogue.get(case_id)
        title = entry.fields_dict["title"].value
        assert entry.key == case_id and title == case.title.replace("’", "'")
    peru = (site / "cases" / "verite-et-rss-au-perou.bib").read_text("utf-8")
    assert "P{\\'e}rou" in peru and "vérité" not in peru  # accents as LaTeX commands
    (entry,) = parse_bibtex(peru)
    names = entry.fields_dict["author"].value
    assert names[2] == r"{Centre for Security \& Peace}"  # braced: cited as written
    assert [LatexNodes2Text().latex_to_text(name) for name in names] == [
        "Pérez Ríos, Ana María", "Dupont, Jean", "Centre for Security & Peace"
    ]  # fmt: skip
    draft = (site / "cases" / "a-draft-case.bib").read_text("utf-8")
    assert r"Police \& courts: \{braces\}, 100\% vetted" in draft
    assert "pubstate = {draft}" in draft


def test_the_csl_json_files_are_one_item_each(site):
    (item,) = json.loads((site / "cases" / "verite-et-rss-au-perou.csl.json").read_text("utf-8"))
    assert item["type"] == "report" and item["id"] == "verite-et-rss-au-perou"
    assert item["author"] == [
        {"family": "Pérez Ríos", "given": "Ana María"},
        {"family": "Dupont", "given": "Jean"},
        {"literal": "Centre for Security & Peace"},
    ]
    assert item["issued"] == {"date-parts": [[2024, 5]]}
    assert item["collection-title"] == "Études de cas RSS" and item["collection-number"] == "12"
    assert item["DOI"] == "10.1234/ssr.2024.12" and item["language"] == "fr"
    assert item["publisher"] == "Centre for Security & Peace"
    (draft,) = json.loads((site / "cases" / "a-draft-case.csl.json").read_text("utf-8"))
    assert draft["status"] == "draft"


def test_a_handbook_leaves_drafts_out_unless_its_edition_asks(project_root, catalogue):
    project = load_project(project_root)
    plan = plan_handbook(project.handbooks["everything"], catalogue, project)
    assert [c.id for c in plan.cases] == ["verite-et-rss-au-perou", "plain-case"]
    assert [c.id for c in plan.drafts] == ["a-draft-case"]
    shown = display_path(project_root / "cases" / "a-draft-case.yaml")
    assert drafts_message(plan) == (
        f"handbook everything: left out 1 draft(s): a-draft-case ({shown}); "
        "to include them, publish them (status: published) or set drafts: true in handbook "
        "everything"
    )
    plan = plan_handbook(project.handbooks["with-drafts"], catalogue, project)
    assert "a-draft-case" in [c.id for c in plan.cases] and plan.drafts == []


def test_a_name_in_parts_written_the_wrong_way_says_how_to_write_it(project_root):
    from casepress.model.cases import load_case

    text = (
        "title: T\nauthors:\n  - {first: Ana, surname: Pérez}\ncontext: C\nlessons: [{text: L}]\n"
    )
    path = project_root / "cases" / "x.yaml"
    case, problems = load_case(path, load_project(project_root), text=text)
    assert case is None
    assert sorted((p.line, p.column, p.field, p.message) for p in problems) == [
        (3, 5, "authors[0].family", "required field is missing"),
        (3, 6, "authors[0].first", "unknown field; write it as given:"),
        (3, 18, "authors[0].surname", "unknown field; write it as family:"),
    ]


def test_a_split_handbook_can_predict_the_draft_mark():
    """The mark is a named string set from content() and literals only: a split handbook
    reads it from the HTML (``predict_strings``) instead of laying a unit out to know it."""
    from casepress.pdf.units import predict_strings

    css = (Path(__file__).resolve().parent.parent / "styles" / "print.css").read_text("utf-8")
    draft = (
        '<article class="case case-draft"><header class="case-header"><p class="draft-notice">'
        '<strong class="draft-mark">Draft</strong> Not yet published</p>'
        '<h1 class="case-title">T</h1></header></article>'
    )
    assert predict_strings(draft, [css]) == {"draft-mark": "Draft", "case-title": "T"}
    published = '<article class="case"><h1 class="case-title">T</h1></article>'
    assert predict_strings(published, [css]) == {"draft-mark": "", "case-title": "T"}
