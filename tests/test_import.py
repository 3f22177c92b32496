"""casepress import: case studies as organisations hold them (.txt, .md, .docx) → case files.

Inputs live in tests/projects/import/, each named for the structure it exercises; the Word
document is made here with python-docx, so the fixture is readable in a diff.
"""

import re

import pytest
import yaml

from casepress import build_briefs, import_files, load_case, load_project, read_source, to_yaml
from casepress.cli import main
from casepress.errors import InputError
from casepress.importers.blocks import match_heading
from casepress.importers.importer import split_lead_in
from casepress.model.cases import CASE_SPEC
from casepress.model.markup import render_markdown
from casepress.model.places import country_code, region_name
from casepress.model.yamlwriter import HEADER, SECTIONS, dump_case
from casepress.text import slugify
from conftest import PROJECTS, SEED, squash

IMPORT = PROJECTS / "import"
PERU = "truth-seeking-and-ssr-in-peru"


def notes(case, kind=None) -> list[str]:
    return [n.message for n in case.notes if kind in (None, n.kind)]


def titles(case) -> list[str | None]:
    return [lesson.get("title") for lesson in case.values["lessons"]]


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- the seed ----------------------------------------------------------------------------


def reading_text(pdf) -> str:
    """The PDF's text as poppler reads it (by position), without what a sentence running
    over a page turn meets there: the folio, the running head, and the numbers of lessons
    that start on the next page."""
    import subprocess

    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    kept = []
    for number, page in enumerate(pages):
        lines = page.splitlines()
        if number and lines:  # the running head: the first line of a page after the first
            lines = lines[1:]
        kept += [ln for ln in lines if not re.fullmatch(r"\s*(\d{1,2}|Page \d+ of \d+)\s*", ln)]
    return "\n".join(kept)


@pytest.mark.slow
def test_seed_imports_and_its_brief_holds_every_sentence_of_the_seed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    report = import_files(load_project(tmp_path), [SEED])
    assert report.exit_code == 0
    (result,) = report.results
    assert result.target == tmp_path / "cases" / f"{PERU}.yaml" and result.problems == []

    built = build_briefs(load_project(tmp_path), paths=[result.target], formats=("pdf",))
    assert built.exit_code == 0, [str(p) for p in built.problems + built.failures]
    text = squash(reading_text(tmp_path / "build" / "briefs" / f"{PERU}.pdf"))
    seed = SEED.read_text("utf-8").rsplit("Region(s) or Country(ies)", 1)[0]
    # sentences, and lead-ins apart from their text (the brief sets a lead-in as a heading)
    pieces = [p for p in re.split(r"(?<=[.;])\s+|\n| \u2014 ", seed) if p.strip()]
    assert len(pieces) > 25
    assert [p for p in pieces if squash(p) not in text] == []
    assert "signifi cant" not in (tmp_path / "cases" / f"{PERU}.yaml").read_text("utf-8")


def test_seed_structure_and_report():
    case = read_source(SEED)
    values = case.values
    assert case.id == PERU and values["title"] == "Truth-seeking and SSR in Peru"
    assert values["language"] == "en"
    assert values["context"].count("\n\n") == 2
    assert values["entry_point"].startswith("The provisional government acted")
    assert titles(case) == [
        "Importance of addressing past crimes",
        "Role of international human rights institutions",
        "Civil society engagement",
    ]
    assert values["lessons"][1]["text"].endswith("imprisoned members of illegal armed groups.")
    assert values["outcome"].startswith("The TRC had a decisive effect")
    assert "regions" not in values and "countries" not in values
    assert [n.format("seed.txt") for n in case.notes] == [
        "seed.txt:4: repaired: replaced 5 non-breaking or special spaces with plain spaces "
        "(lines 4, 12, 16)",
        "seed.txt:12: repaired: collapsed 2 runs of repeated spaces (lines 12, 16)",
        "seed.txt:18: repaired: joined 'signifi cant' to 'significant' "
        "(a ligature split by PDF copying)",
        "seed.txt:19: repaired: joined 1 hard-wrapped line to the line before (line 19)",
        "seed.txt:27: check: the 'Region(s) or Country(ies)' block is empty: "
        "no regions or countries set",
    ]


def test_importing_the_same_file_twice_gives_the_same_bytes(tmp_path):
    first = import_files(load_project(tmp_path), [SEED], output_dir=tmp_path / "a")
    again = import_files(load_project(tmp_path), [SEED], output_dir=tmp_path / "a", force=True)
    other = import_files(load_project(tmp_path), [SEED], output_dir=tmp_path / "b")
    assert first.results[0].text == again.results[0].text == other.results[0].text
    written = (tmp_path / "a" / f"{PERU}.yaml").read_bytes()
    assert written == (tmp_path / "b" / f"{PERU}.yaml").read_bytes()
    assert written.startswith(b"# yaml-language-server: $schema=../build/case.schema.json\n")
    assert "Prosecutor General’s Office".encode() in written  # no \u2019 escapes


# -- headings ----------------------------------------------------------------------------

CASE = """Title of the case

{context}

The context paragraph.

{entry}

How it began.

{lessons}

First lesson — Its text.

{tags}

Peru
"""


@pytest.mark.parametrize(
    ("context", "entry", "lessons", "tags", "language", "lessons_heading"),
    [
        ("Context", "Entry point", "Lessons learned", "Region(s) or Country(ies)", "en", None),
        ("CONTEXT:", "ENTRY POINT:", "LESSONS LEARNT:", "REGION(S) OR COUNTRY(IES):", "en",
         "Lessons learnt"),
        ("", "entry point  ", "Lessons identified", "Regions or countries", "en",
         "Lessons identified"),
        ("context :", "Entry-Point", "lessons learned :", "Region(s)/Country(ies)", "en", None),
        ("2. Context", "3. Entry point", "4. Lessons learned", "5. Countries", "en", None),
        ("Contexte", "Point d'entrée", "Enseignements tirés", "Région(s) ou pays", "fr", None),
        ("Contexte :", "Point d’entrée :", "Leçons apprises", "Régions ou pays", "fr",
         "Leçons apprises"),
        ("Contexto", "Punto de entrada", "Lecciones aprendidas", "Región(es) o país(es)", "es",
         None),
        ("", "PUNTO DE ENTRADA", "lecciones aprendidas:", "País(es)", "es", None),
    ],
)  # fmt: skip
def test_heading_spellings(tmp_path, context, entry, lessons, tags, language, lessons_heading):
    text = CASE.format(context=context, entry=entry, lessons=lessons, tags=tags)
    case = read_source(write(tmp_path, "case.txt", text))
    assert case.values == {
        "title": "Title of the case",
        "language": language,
        "countries": ["Peru"],
        "context": "The context paragraph.",
        "entry_point": "How it began.",
        "lessons": [{"title": "First lesson", "text": "Its text."}],
        **({"lessons_heading": lessons_heading} if lessons_heading else {}),
    }


@pytest.mark.parametrize(
    "line", ["Contextual factors", "Lessons learned from Peru", "Entry point. It began", "x" * 70]
)
def test_lines_that_only_resemble_a_heading_are_not_one(line):
    assert match_heading(line) is None


# -- lessons -----------------------------------------------------------------------------


def test_each_lead_in_separator_and_a_lesson_without_one():
    case = read_source(IMPORT / "lead-in-separators.txt")
    assert case.values["lessons"] == [
        {"title": "Em dash lead-in", "text": "The text after an em dash."},
        {"title": "En dash lead-in", "text": "The text after an en dash."},
        {"title": "Colon lead-in", "text": "The text after a colon."},
        {"title": "Can a question be a lead-in?", "text": "It can, and it keeps its mark."},
        {"title": "Hyphen lead-in", "text": "The text after a spaced hyphen."},
        {"text": "A lesson without a lead-in, whose dash — in the middle — is not a separator."},
    ]
    assert case.values["outcome"] == "What came of it."
    assert notes(case, "check")[-1].startswith("lesson 6 has no lead-in while others do")


@pytest.mark.parametrize(
    ("text", "title", "rest"),
    [
        ("Lead—Text without spaces.", "Lead", "Text without spaces."),
        ("**Bold lead-in.** Its text.", "Bold lead-in", "Its text."),
        ("**Does it ask?** It does.", "Does it ask?", "It does."),
        ("__Bold__ — Its text.", "Bold", "Its text."),
        ("Lead — 2001. A year first.", "Lead", "2001\\. A year first."),
        ("A range 1999–2002 is no separator — nor is this.", None, None),
        ("One sentence. Then: Another one.", None, None),
    ],
)
def test_lead_in_rules(text, title, rest):
    found, remainder, _ = split_lead_in(text)
    assert found == title
    assert remainder == (rest if title else text)


def test_a_lower_case_continuation_is_no_lead_in_and_is_reported():
    found, rest, refused = split_lead_in("The reform — which began in 2001 — was slow.")
    assert found is None and rest.startswith("The reform")
    assert refused.startswith("'The reform — which began in…' not split")


def test_lessons_without_lead_ins_are_reported(tmp_path):
    text = "T\n\nContext.\n\nLessons learned\n\nThe first lesson.\n\nThe second lesson.\n"
    case = read_source(write(tmp_path, "plain.txt", text))
    assert case.values["lessons"] == [{"text": "The first lesson."}, {"text": "The second lesson."}]
    assert "outcome" not in case.values
    assert "none of the 2 lessons has a lead-in" in notes(case, "check")[-1]


def test_lesson_titles_on_lines_of_their_own():
    case = read_source(IMPORT / "lesson-titles-on-own-line.txt")
    assert titles(case) == [
        "Importance of addressing past crimes",
        "Role of international institutions",
    ]
    assert case.values["lessons"][0]["text"].endswith("hard-wrapped by the program that saved it.")
    assert case.values["outcome"] == "What came of it."


def test_text_copied_from_a_web_page_has_a_paragraph_a_line():
    case = read_source(IMPORT / "paragraph-per-line.txt")
    assert case.values["context"].count("\n\n") == 1
    assert "because someone pressed Enter" in case.values["context"]
    assert titles(case) == ["First lesson", "Second lesson"]
    # a trailing paragraph without a lead-in, not set apart: outcome, as a guess
    assert case.values["outcome"].startswith("The closing paragraph has no lead-in.")
    assert any(
        n.startswith("1 paragraph(s) without a lead-in after the last lesson") for n in notes(case)
    )


def test_a_case_with_no_entry_point():
    case = read_source(IMPORT / "no-entry-point.txt")
    assert "entry_point" not in case.values
    assert case.values["context"] == (
        "The first paragraph of the context.\n\nThe second paragraph of the context."
    )
    assert case.values["lessons_heading"] == "Lessons identified"
    # two blank lines set the closing paragraph apart: outcome, no guess to report
    assert case.values["outcome"] == "The closing paragraph, set apart by two blank lines."
    assert notes(case, "check") == [
        "no 'Region(s) or Country(ies)' block: no regions or countries set",
        "no entry point heading: all text before the lessons went into context",
    ]


# -- tags --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "countries"),
    [
        ("tags-by-line.txt", ["Peru", "Bolivia"]),
        ("tags-by-comma.txt", ["Peru", "South Korea"]),  # 'Korea, Republic of' stays whole
        ("tags-by-semicolon.txt", ["Peru", "Bolivia"]),
    ],
)
def test_tags_by_line_comma_and_semicolon(name, countries):
    case = read_source(IMPORT / name)
    assert case.values["regions"] == ["Latin America and the Caribbean"]
    assert case.values["countries"] == countries


def test_an_unplaceable_tag_is_kept_under_regions_and_reported():
    case = read_source(IMPORT / "unplaceable-tag.txt")
    assert case.values["regions"] == ["Asia and the Pacific", "Atlantis", "Frence", "Mindanao"]
    assert case.values["countries"] == ["Peru"]
    assert "tag 'Asia-Pacific' written as 'Asia and the Pacific'" in notes(case, "repaired")
    assert "tag 'PE' written as 'Peru'" in notes(case, "repaired")
    checks = [n for n in notes(case, "check") if n.startswith("tag ")]
    assert checks == [
        "tag 'Atlantis' is neither an ISO 3166 country nor a known region: kept under regions "
        "(add it to regions: in casepress.yaml if it is one)",
        "tag 'Frence' is neither an ISO 3166 country nor a known region (did you mean 'France'?): "
        "kept under regions (add it to regions: in casepress.yaml if it is one)",
        "tag 'Mindanao' is neither an ISO 3166 country nor a known region: kept under regions "
        "(add it to regions: in casepress.yaml if it is one)",
    ]


def test_the_project_adds_region_names(tmp_path):
    (tmp_path / "casepress.yaml").write_text("regions: [Mindanao, Andean Region]\n", "utf-8")
    project = load_project(tmp_path)
    assert project.regions == ("Mindanao", "Andean Region")
    case = read_source(IMPORT / "unplaceable-tag.txt", project)
    assert "Mindanao" in case.values["regions"]
    assert not any("'Mindanao'" in n for n in notes(case))
    assert (
        region_name("andean region", project.regions) == "Andean Region"
    )  # the project's spelling


@pytest.mark.parametrize(
    ("tag", "region"),
    [
        ("asia-pacific", "Asia and the Pacific"),
        ("Latin America & the Caribbean", "Latin America and the Caribbean"),
        ("South East Asia", "South-East Asia"),
        ("Afrique de l'Ouest", "Afrique de l’Ouest"),
        ("África", "África"),
        ("africa", "Africa"),
        ("Atlantis", None),
    ],
)
def test_region_names_match_spelling_variants(tag, region):
    assert region_name(tag) == region


def test_country_names_in_french_and_spanish():
    assert country_code("Pérou", languages=["fr"]) == country_code("Perú", languages=["es"]) == "PE"
    assert country_code("Pérou") is None


def test_french_case():
    case = read_source(IMPORT / "french-headings.txt")
    values = case.values
    assert values["language"] == "fr" and "lessons_heading" not in values
    assert titles(case) == [
        "Traiter les crimes du passé",
        "Le rôle des institutions internationales",
    ]
    assert values["outcome"] == "La commission a eu un effet décisif."  # "Conclusion"
    assert values["regions"] == ["Amérique latine et Caraïbes"] and values["countries"] == ["Peru"]
    assert "tag 'Pérou' written as 'Peru'" in notes(case, "repaired")


def test_further_resources_in_plain_text(tmp_path):
    text = (
        "T\n\nContext.\n\nLessons learned\n\nL — Text.\n\nFurther reading:\n\n"
        "Informe Final de la CVR: https://www.cverdad.org.pe/ifinal/\n"
        "Security Sector Reform in Indonesia (Clingendael, 2003)\n"
    )
    case = read_source(write(tmp_path, "case.txt", text))
    assert case.values["further_resources"] == [
        {"title": "Informe Final de la CVR", "url": "https://www.cverdad.org.pe/ifinal/"},
        {"title": "Security Sector Reform in Indonesia (Clingendael, 2003)"},
    ]


# -- cleaning ----------------------------------------------------------------------------


def test_ligature_splits_rejoined_when_certain_and_reported():
    case = read_source(IMPORT / "ligatures.txt")
    context = case.values["context"]
    assert context.startswith(
        "A significant number of officers reflect on the first years. The balance was fine."
    )
    # both halves are words, so a join is not certain: left alone, and reported
    assert "went off shore, beyond the eff ort of the state." in context
    assert case.values["lessons"][0]["text"] == "The office was difficult to reach."
    repaired = [n for n in notes(case, "repaired") if n.startswith("joined '")]
    assert [n.split("'")[1] for n in repaired] == [
        "signifi cant", "offi cers", "refl ect", "fi rst", "fi ne", "offi ce", "diffi cult"
    ]  # fmt: skip
    assert (
        "'off shore' may be a ligature split by PDF copying ('offshore'); "
        "left as it is because both parts are words"
    ) in notes(case, "check")


def test_plain_text_stays_plain_text_in_markdown():
    case = read_source(IMPORT / "bullets-in-plain-text.txt")
    context = case.values["context"]
    assert context.startswith(
        "In practice this meant:\n\n- reserved seats for the armed forces in parliament;\n"
    )
    html = str(render_markdown(context))
    assert html.count("<li>") == 3
    assert "<p>2001. A year that starts a paragraph, and a *star* and a # sign" in html


# -- Markdown and Word ----------------------------------------------------------------------


def test_markdown_file():
    case = read_source(IMPORT / "markdown-headings.md")
    assert case.values == {
        "title": "Truth-seeking in Peru: a Markdown case",
        "language": "en",
        "regions": ["Latin America and the Caribbean"],
        "countries": ["Peru"],
        "context": "The context paragraph, with *emphasis* and a line wrapped the Markdown way."
        "\n\n# Timeline\n\n- 2001: the regime falls\n- 2003: the commission reports",
        "entry_point": "How the engagement began.",
        "lessons_heading": "Lessons Identified",
        "lessons": [
            {"title": "Bold lead-in", "text": "The text after a bold lead-in."},
            {"title": "Bold with a colon", "text": "The text after it."},
            {
                "title": "A lesson heading",
                "text": "The first paragraph of a lesson under its own heading.\n\n"
                "Its second paragraph.",
            },
        ],
        "outcome": "What came of it.",
        "further_resources": [
            {"title": "Informe Final de la CVR", "url": "https://www.cverdad.org.pe/ifinal/"}
        ],
    }
    assert notes(case) == [
        "heading 'Timeline' is not a casepress section; kept in context as a sub-heading"
    ]


@pytest.fixture(scope="module")
def word_document(tmp_path_factory):
    """A Word document with Title, Subtitle, Heading 1/3, bold lead-ins, a list, a table."""
    import docx

    document = docx.Document()
    document.add_paragraph("Cover note from the archive")
    document.add_heading("Defence reform in Indonesia", 0)
    document.add_paragraph("After Reformasi", style="Subtitle")
    document.add_heading("Context", 1)
    paragraph = document.add_paragraph("The armed forces held a ")
    paragraph.add_run("dual function").italic = True
    paragraph.add_run(",\u00a0 a doctrine.")
    document.add_paragraph("In practice this meant:")
    document.add_paragraph("reserved seats in parliament;", style="List Bullet")
    document.add_paragraph("officers in civilian posts.", style="List Bullet")
    document.add_heading("Entry point", 1)
    paragraph = document.add_paragraph("Legislation was the entry point.")
    paragraph.add_run().add_break()
    paragraph.add_run("A line after a manual break.")
    document.add_heading("Lessons learnt", 1)
    paragraph = document.add_paragraph()
    paragraph.add_run("Reform from within").bold = True
    paragraph.add_run(" — Internal reform can open the door.")
    paragraph = document.add_paragraph()
    paragraph.add_run("Expertise and pressure:").bold = True
    paragraph.add_run(" Civil society built expertise.")
    document.add_heading("A lesson as a heading", 3)
    document.add_paragraph("Accountability gaps weaken reform.")
    document.add_table(rows=1, cols=2)
    document.add_heading("Outcome", 1)
    document.add_paragraph("By 2004 the military’s formal role had ended.")
    document.add_heading("Region(s) or Country(ies)", 1)
    document.add_paragraph("Asia and the Pacific")
    document.add_paragraph("Indonesia")
    path = tmp_path_factory.mktemp("word") / "indonesia.docx"
    document.save(path)
    return path


def test_word_document_with_headings(word_document):
    case = read_source(word_document)
    assert case.id == "defence-reform-in-indonesia"
    assert case.values == {
        "title": "Defence reform in Indonesia",
        "subtitle": "After Reformasi",
        "language": "en",
        "regions": ["Asia and the Pacific"],
        "countries": ["Indonesia"],
        "context": "The armed forces held a *dual function*, a doctrine.\n\n"
        "In practice this meant:\n\n- reserved seats in parliament;\n- officers in civilian posts.",
        "entry_point": "Legislation was the entry point. A line after a manual break.",
        "lessons_heading": "Lessons learnt",
        "lessons": [
            {"title": "Reform from within", "text": "Internal reform can open the door."},
            {"title": "Expertise and pressure", "text": "Civil society built expertise."},
            {"title": "A lesson as a heading", "text": "Accountability gaps weaken reform."},
        ],
        "outcome": "By 2004 the military’s formal role had ended.",
    }
    # line numbers count the document's paragraphs (and tables) from the top
    assert [n.format("w") for n in case.notes] == [
        "w:1: check: 1 paragraph(s) before the title not imported",
        "w:5: repaired: replaced 1 non-breaking or special space with a plain space (line 5)",
        "w:5: repaired: collapsed 1 run of repeated spaces (line 5)",
        "w:10: repaired: joined 1 hard-wrapped line to the line before (line 10)",
        "w:16: check: a table was not imported; copy its content by hand",
    ]


# -- what cannot be imported -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("Title\n\nContext.\n", "no lessons heading found"),
        ("Context\n\nText.\n\nLessons learned\n\nL.\n", "the first line is the heading 'Context'"),
        ("Title\n\nLessons learned\n\nL.\n", "no context: nothing between the title"),
        ("Title\n\nContext.\n\nLessons learned\n", "no lesson below the lessons heading"),
    ],
)
def test_what_cannot_become_a_case_says_why(tmp_path, text, message):
    with pytest.raises(InputError) as error:
        read_source(write(tmp_path, "case.txt", text))
    assert message in str(error.value)


def test_two_inputs_with_one_title_do_not_overwrite_each_other(tmp_path):
    first = write(tmp_path, "a.txt", "Same title\n\nContext.\n\nLessons learned\n\nL — Text.\n")
    second = write(tmp_path, "b.md", "# Same title\n\nOther.\n\n## Lessons learned\n\nL — Text.\n")
    report = import_files(load_project(tmp_path), [first, second])
    assert [r.status for r in report.results] == ["imported", "failed"]
    assert "its title gives the id 'same-title', as does" in report.results[1].problems[0].message
    assert report.exit_code == 2
    assert "Context." in (tmp_path / "cases" / "same-title.yaml").read_text("utf-8")


# -- the command -------------------------------------------------------------------------


def test_import_never_overwrites_without_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "cases" / f"{PERU}.yaml"
    target.parent.mkdir()
    target.write_text("# edited by hand\n", "utf-8")
    assert main(["import", str(SEED)]) == 0
    assert f"skipped cases/{PERU}.yaml (exists; use --force)" in capsys.readouterr().err
    assert target.read_text("utf-8") == "# edited by hand\n"

    assert main(["import", str(SEED), "--force"]) == 0
    err = capsys.readouterr().err
    assert f"imported cases/{PERU}.yaml" in err
    assert ": repaired: joined 'signifi cant' to 'significant'" in err
    assert target.read_text("utf-8") == to_yaml(read_source(SEED))
    assert load_case(target, load_project(tmp_path))[1] == []


def test_dry_run_prints_the_case_files_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(SEED), str(IMPORT / "markdown-headings.md"), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert not (tmp_path / "cases").exists()
    assert out.startswith(f"==> cases/{PERU}.yaml <==\n# yaml-language-server:")
    assert "==> cases/truth-seeking-in-peru-a-markdown-case.yaml <==" in out
    assert f"would write cases/{PERU}.yaml" in err
    assert "would write 2 case file(s), skipped 0, failed 0" in err


def test_folder_of_mixed_files_reports_per_file(tmp_path, monkeypatch, capsys, word_document):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases").mkdir()  # a project: import (without --output) writes to its cases/
    library = tmp_path / "library"
    library.mkdir()
    for source in (SEED, IMPORT / "markdown-headings.md", word_document):
        (library / source.name).write_bytes(source.read_bytes())
    write(library, "empty.txt", "")
    write(library, "scan.pdf", "%PDF-1.4")
    write(library, "~$indonesia.docx", "Word's lock file")

    assert main(["import", "library"]) == 2
    err = capsys.readouterr().err
    status = [line for line in err.splitlines() if not line.startswith("library/")]
    assert status == [
        "failed library/empty.txt: the file is empty",
        "imported cases/defence-reform-in-indonesia.yaml",
        "imported cases/truth-seeking-in-peru-a-markdown-case.yaml",
        f"imported cases/{PERU}.yaml",
        "ignored library/scan.pdf (not .txt, .md or .docx)",
        status[-1],
    ]
    assert re.fullmatch(
        r"imported 3 case file\(s\), skipped 0, failed 1 in [\d.]+ s; "
        r"7 repair\(s\), 4 note\(s\) to check",
        status[-1],
    )
    assert "library/indonesia.docx:16: check: a table was not imported" in err
    assert sorted(p.name for p in (tmp_path / "cases").iterdir()) == [
        "defence-reform-in-indonesia.yaml",
        f"{PERU}.yaml",
        "truth-seeking-in-peru-a-markdown-case.yaml",
    ]


def test_import_help_ends_with_examples(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith("casepress import old/*.docx --output drafts/ --force")
    )


# -- the YAML written --------------------------------------------------------------------


def test_case_files_are_laid_out_in_one_order_covering_every_field():
    placed = [*HEADER, *(key for group in SECTIONS for key in group)]
    assert sorted(placed) == sorted(CASE_SPEC.fields)


@pytest.mark.parametrize(
    "value",
    ["NO", "yes", "y", "On", "null", "~", "1.10", "2024-02-30", "12:30", "0x1F", "-dash", "#hash",
     "a: b", "a #b", "ends:", "[x]", "{x}", "*x", "&x", "!x", "%x", "@x", "`x", "'q'", '"q"',
     "a, b", "back\\slash", "“curly”", "Région", " lead"],
)  # fmt: skip
def test_scalars_read_back_as_written_by_any_yaml_reader(value):
    values = {
        "title": value,
        "regions": [value],
        "context": value,
        "lessons": [{"title": value, "text": "t"}],
    }
    text = dump_case(values)
    back = yaml.safe_load(text)  # PyYAML is a YAML 1.1 reader: it would turn NO into False
    assert back["title"] == value  # leading space and all
    assert back["regions"] == [value] and back["lessons"][0]["title"] == value
    assert back["context"] == value + "\n"
    assert "\\u" not in text


def test_markdown_is_wrapped_without_starting_a_line_that_markdown_would_misread():
    words = "word " * 16 + "# not a heading and " + "word " * 16 + "2001. not a list"
    text = dump_case({"title": "T", "context": words.strip(), "lessons": [{"text": "t"}]})
    body = text.split("context: |\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert all(len(line) <= 92 for line in body) and len(body) > 1
    assert not any(re.match(r"\s*(#|\d+\. )", line) for line in body)
    assert yaml.safe_load(text)["context"].replace("\n", " ").strip() == words.strip()


def test_slug_from_title():
    assert slugify("Truth-seeking and SSR in Peru") == PERU
    assert slugify("Vérité et réforme au Pérou’s « cas »") == "verite-et-reforme-au-perous-cas"
    assert len(slugify("word " * 40)) <= 80


def test_a_case_file_that_does_not_validate_is_reported_and_fails(tmp_path, monkeypatch, capsys):
    import casepress.importers.importer as importer

    monkeypatch.chdir(tmp_path)
    (tmp_path / "cases").mkdir()  # a project: import (without --output) writes to its cases/
    monkeypatch.setattr(importer, "to_yaml", lambda case, schema: "title: [oops\n")
    assert main(["import", str(SEED)]) == 2
    err = capsys.readouterr().err
    assert f"imported cases/{PERU}.yaml, which does not validate:" in err
    assert f"cases/{PERU}.yaml:1:8: title: this [ starts a list that is not closed" in err
    assert "imported 1 case file(s) (1 not valid), skipped 0, failed 0" in err
