"""The small helpers every stage shares (casepress.text), each used everywhere: one slug
function (`new` and `import` agree), one CSS string escaper (a hostile theme cannot break out
of a <style> element), one HTML tag scanner with one set of void elements."""

import shutil

import html5lib
import pytest
import tinycss2

from casepress.cli import main
from casepress.model.markup import measure_html
from casepress.pdf import units
from casepress.text import VOID_ELEMENTS, css_string, html_tags, slugify
from conftest import ROOT, copy_project, pdf_text

# -- slugs -------------------------------------------------------------------------------

TITLES = {
    "Łódź police": "lodz-police",
    "Women's police units": "womens-police-units",
    "Women’s police units in Côte d’Ivoire": "womens-police-units-in-cote-divoire",
    "Straße über Ærø": "strasse-uber-aero",
    "Реформа полиции": "reforma-politsii",
}


@pytest.mark.parametrize(("title", "expected"), TITLES.items())
def test_slugs_transliterate_and_drop_apostrophes_inside_words(title, expected):
    assert slugify(title) == expected


def test_slugs_are_cut_at_a_word_boundary():
    assert slugify("word " * 40) == "-".join(["word"] * 16)
    assert slugify("x" * 100) == "x" * 80
    assert slugify("Côte d’Ivoire", max_length=None) == "cote-divoire"
    assert slugify("🕊 ?!") == ""


@pytest.mark.parametrize("title", ["Łódź police", "Women's police units"])
def test_new_and_import_give_the_same_id(title, tmp_path, monkeypatch, capsys):
    made = tmp_path / "made"
    assert main(["init", str(made), "-q"]) == 0
    assert main(["new", title, "-C", str(made)]) == 0
    new_ids = {p.stem for p in (made / "cases").glob("*.yaml")} - {"truth-seeking-and-ssr-in-peru"}

    imported = tmp_path / "imported"
    (imported / "cases").mkdir(parents=True)  # a project: import writes to its cases/
    source = imported / "source.txt"
    source.write_text(
        f"{title}\n\nThe context.\n\nLESSONS IDENTIFIED:\n\nFirst lesson: Its text.\n", "utf-8"
    )
    monkeypatch.chdir(imported)
    assert main(["import", str(source)]) == 0
    imported_ids = {p.stem for p in (imported / "cases").glob("*.yaml")}

    assert new_ids == imported_ids == {TITLES[title]}


# -- CSS strings -------------------------------------------------------------------------

HOSTILE = "Cal</style><script>alert(1)</script>"


def font_property(css: str, name: str = "--font-body") -> str:
    """The first token of a custom property as tinycss2 (WeasyPrint's parser) reads it, from
    the last rule that sets it (the one that wins)."""
    found = []
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule":
            continue
        for item in tinycss2.parse_blocks_contents(rule.content, True, True):
            if item.type == "declaration" and item.name == name:
                (first, *_) = [t for t in item.value if t.type != "whitespace"]
                assert first.type == "string"
                found.append(first.value)
    assert found, f"{name} not found"
    return found[-1]


@pytest.mark.parametrize(
    "value",
    [HOSTILE, 'Font "Quoted"', "Back\\slash", "It's", "Two\nlines\tand \x7f", "A & B > C"],
)
def test_css_strings_cannot_close_anything_and_read_back(value):
    quoted = css_string(value)
    assert not set("<>&\n\x7f") & set(quoted)
    assert quoted.count('"') == 2
    assert font_property(f":root {{ --font-body: {quoted}; }}") == value


def hostile_project(tmp_path, family: str):
    project = copy_project("minimal", tmp_path)
    theme = project / "themes" / "hostile"
    (theme / "fonts").mkdir(parents=True)
    shutil.copy(ROOT / "themes" / "azimut" / "fonts" / "Caladea-Regular.ttf", theme / "fonts")
    family_yaml = family.replace("\\", "\\\\").replace('"', '\\"')
    (theme / "theme.yaml").write_text(
        "name: hostile\nfonts:\n  body:\n"
        f'    family: "{family_yaml}"\n    regular: fonts/Caladea-Regular.ttf\n',
        "utf-8",
    )
    (project / "casepress.yaml").write_text("title: T\ntheme: hostile\n")
    return project


def test_a_font_family_that_would_break_out_of_css_or_the_pdf_is_refused(tmp_path, capsys):
    project = hostile_project(tmp_path, HOSTILE)
    assert main(["theme", "check", "hostile", "-C", str(project)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert (
        "themes/hostile/theme.yaml:4:13: fonts.body.family: expected a family name such as "
        "'Caladea', without ( ) < > [ ] { } / % # or control characters (the PDF names its "
        f"fonts after it), got {HOSTILE!r}"
    ) in err
    case = project / "cases" / "minimal-case.yaml"
    out = tmp_path / "out"
    assert main(["brief", str(case), "-C", str(project), "-q", "--output", str(out)]) == 2
    assert not out.exists() or not list(out.rglob("*.html"))


ODD = 'Cal "Q" \\ & Co'
"""A family name the schema allows that CSS must escape: quotes, a backslash, an ampersand."""


def test_an_odd_font_family_reads_back_from_the_html_briefs_style(tmp_path):
    project = hostile_project(tmp_path, ODD)
    out = tmp_path / "out"
    case = project / "cases" / "minimal-case.yaml"
    code = main(["brief", str(case), "-C", str(project), "--format", "html", "-q",
                 "--output", str(out)])  # fmt: skip
    assert code == 0
    html = (out / "minimal-case.html").read_text("utf-8")
    document = html5lib.parse(html, namespaceHTMLElements=False)
    (style,) = [s.text for s in document.iter("style") if "--font-body" in (s.text or "")]
    assert r'--font-body: "Cal \22 Q\22  \5c  \26  Co", ' in style
    assert font_property(style) == ODD


@pytest.mark.slow
def test_an_odd_font_family_names_its_font_in_the_pdf(tmp_path):
    from pypdf import PdfReader

    project = hostile_project(tmp_path, ODD)
    out = tmp_path / "out"
    case = project / "cases" / "minimal-case.yaml"
    code = main(["brief", str(case), "-C", str(project), "--format", "pdf", "-q",
                 "--output", str(out)])  # fmt: skip
    assert code == 0
    fonts = {
        font.get_object()["/BaseFont"].split("+", 1)[1]
        for page in PdfReader(out / "minimal-case.pdf").pages
        for font in page["/Resources"]["/Font"].values()
    }
    # WeasyPrint names the font after the @font-face family: --font-body found it
    assert ODD.replace(" ", "-") in fonts
    assert "Norway" in pdf_text(out / "minimal-case.pdf")


# -- HTML tags ---------------------------------------------------------------------------


def test_one_set_of_void_elements_from_the_html_standard():
    standard = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                "source", "track", "wbr"}  # fmt: skip
    assert standard == VOID_ELEMENTS


@pytest.mark.parametrize("name", ["wbr", "track", "param"])
def test_the_validator_and_the_split_handbook_read_elements_alike(name):
    fragment = f"<div><p>a<{name}><span>b</span>c</p></div>"
    void = name in VOID_ELEMENTS
    # the element count and depth that bound what WeasyPrint lays out
    assert measure_html(fragment) == (4, 3 if void else 4)
    # the named strings a split handbook predicts: the span's ancestors
    elements = dict((tag, ancestors) for tag, ancestors, _ in units._elements(fragment))
    assert len(elements["<span>"]) == (2 if void else 3)


def test_html_tags_reads_comments_quotes_and_stray_brackets():
    html = "<!-- <b> --><a title=\"x > y\" href='#z'>a < b</a><br/><x-y:z>"
    tags = [(t.name, t.closing, t.empty) for t in html_tags(html)]
    assert tags == [("", False, True), ("a", False, False), ("a", True, False),
                    ("br", False, True), ("x-y:z", False, False)]  # fmt: skip
    assert [t.name for t in html_tags("<p><!-- never closed <b>")] == ["p"]
