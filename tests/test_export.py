"""The exportable catalogue (issue 17, item 6): ``casepress export`` in every format parses
back with one entry per case in a stable order; a library with an invalid case is not
exported partially without saying so; the site publishes the same catalogue.json."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import bibtexparser
import pytest

from casepress.build.driver import build_briefs, build_site
from casepress.build.export import COLUMNS, export_catalogue
from casepress.cli import main
from casepress.model.project import load_project
from citeproject import IDS, make_project


@pytest.fixture(scope="module")
def project_root(tmp_path_factory) -> Path:
    return make_project(tmp_path_factory.mktemp("export"))


def export(root: Path, capsys, *args: str) -> tuple[int, str, str]:
    code = main(["export", "-C", str(root), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_csv_has_a_header_and_one_row_per_case_by_id(project_root, capsys):
    code, out, err = export(project_root, capsys, "--format", "csv")
    assert code == 0 and "exported 3 case(s) as csv" in err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [row["id"] for row in rows] == IDS
    assert list(rows[0]) == list(COLUMNS)
    peru = rows[2]
    assert peru["authors"] == "Ana María Pérez Ríos; Jean Dupont; Centre for Security & Peace"
    assert peru["themes"] == (
        "Justice transitionnelle; Réforme du secteur de la sécurité; Société civile"
    )
    assert peru["doi_url"] == "https://doi.org/10.1234/ssr.2024.12"
    assert peru["published"] == "2024-05" and peru["status"] == "published"
    assert peru["brief_pdf"] == "briefs/verite-et-rss-au-perou.pdf"
    assert peru["site_page"] == "site/cases/verite-et-rss-au-perou.html"
    assert rows[0]["status"] == "draft" and rows[0]["title"].startswith("Police & courts")


def test_csv_for_excel_starts_with_a_byte_order_mark(project_root, tmp_path, capsys):
    target = tmp_path / "catalogue.csv"
    code, out, _ = export(project_root, capsys, "--format", "csv", "--bom", "--output", str(target))
    assert code == 0 and out == ""
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid,title,")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row["id"] for row in rows] == IDS


def test_csv_for_a_spreadsheet_runs_no_formula(tmp_path, capsys):
    """A title typed as a formula is text in a spreadsheet (--bom), unchanged without it."""
    root = make_project(tmp_path)
    plain = root / "cases" / "plain-case.yaml"
    formula = '=HYPERLINK("http://example.org/x","Click")'
    text = plain.read_text("utf-8").replace("title: A plain case", f"title: '{formula}'")
    plain.write_text(text, "utf-8")
    rows = {}
    for flag in ((), ("--bom",)):
        code, out, err = export(root, capsys, "--format", "csv", *flag)
        assert code == 0, err
        found = csv.DictReader(io.StringIO(out.removeprefix("\ufeff"), newline=""))
        rows[flag] = {row["id"]: row for row in found}
    assert rows[()]["plain-case"]["title"] == formula
    assert rows[("--bom",)]["plain-case"]["title"] == "'" + formula
    assert rows[("--bom",)]["verite-et-rss-au-perou"] == rows[()]["verite-et-rss-au-perou"]


def test_json_is_the_site_catalogue(project_root, tmp_path, capsys):
    code, out, _ = export(project_root, capsys, "--format", "json")
    assert code == 0
    cases = json.loads(out)["cases"]
    assert [case["id"] for case in cases] == IDS
    peru = cases[2]
    assert peru["authors"][0] == {
        "name": "Ana María Pérez Ríos", "given": "Ana María", "family": "Pérez Ríos",
        "affiliation": "Instituto de Defensa Legal", "orcid": "0000-0002-1825-0097",
    }  # fmt: skip
    assert peru["countries"] == ["Peru"] and peru["regions"] == ["Amérique latine et Caraïbes"]
    assert cases[1]["authors"] == [] and cases[1]["doi"] is None
    site = tmp_path / "site"
    build_site(load_project(project_root), output_dir=site, pdfs={}, handbooks={})
    assert (site / "catalogue.json").read_text("utf-8") == out


def test_csl_json_and_bibtex_have_one_entry_per_case(project_root, capsys):
    code, out, _ = export(project_root, capsys, "--format", "csl-json")
    assert code == 0 and [item["id"] for item in json.loads(out)] == IDS
    code, out, _ = export(project_root, capsys, "--format", "bibtex")
    library = bibtexparser.parse_string(out)
    assert code == 0 and library.failed_blocks == []
    assert [entry.key for entry in library.entries] == IDS
    assert all(entry.entry_type == "techreport" for entry in library.entries)


def test_an_invalid_case_stops_the_export_unless_a_partial_one_is_asked(tmp_path, capsys):
    root = make_project(tmp_path)
    (root / "cases" / "broken.yaml").write_text("title: Broken\ndoi: not-a-doi\n", "utf-8")
    target = tmp_path / "out.json"
    code, out, err = export(root, capsys, "--format", "json", "--output", str(target))
    assert code == 2 and out == "" and not target.exists()
    assert "broken.yaml:2:6: doi: expected a DOI" in err
    assert "nothing exported: 1 case file(s) have errors" in err
    assert "add --allow-partial to export the 3 valid case(s)" in err
    code, out, err = export(root, capsys, "--format", "json", "--allow-partial")
    assert code == 0 and [case["id"] for case in json.loads(out)["cases"]] == IDS
    assert "left out 1 case file(s) with errors" in err and "broken.yaml" in err
    result = export_catalogue(load_project(root), "csv")
    assert result.text is None and len(result.invalid) == 1


def test_output_is_written_atomically_inside_its_folder(project_root, tmp_path, capsys):
    target = tmp_path / "deeper" / "cases.bib"
    code, _, err = export(project_root, capsys, "--format", "bibtex", "--output", str(target))
    assert code == 0 and "to " in err
    assert target.read_text("utf-8").count("@techreport{") == 3
    assert [p.name for p in target.parent.iterdir()] == ["cases.bib"]  # no temporary left


@pytest.mark.slow
def test_the_output_paths_are_where_the_build_writes(project_root, tmp_path, capsys):
    project = load_project(project_root, output_dir=tmp_path / "out")
    report = build_briefs(project, formats=("html",), output_dir=tmp_path / "out" / "briefs")
    written = {p.relative_to(tmp_path / "out").as_posix() for p in report.outputs}
    result = export_catalogue(project, "json")
    cases = json.loads(result.text)["cases"]
    assert {case["brief_html"] for case in cases} == written
