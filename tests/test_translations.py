"""Translations linked (issue 17, item 2): a case names its original with ``translation_of``;
``check`` says what is wrong with it where it is written; briefs say "Also available in";
a 'See also' prefers the reader's language; the site lists a case and its translations as
one entry with a language filter; a handbook edition picks one language.

The fixture (tests/projects/translations): 'vetting-in-liberia' in English with French and
Spanish versions; 'police-oversight-in-kenya' in English only; 'reforme-de-la-defense-au-
mali' in French only, relating to both English cases.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import html5lib
import pytest

from browser import Browser, chromium_path
from casepress import build_project, load_project
from casepress.cli import main
from casepress.model.cases import load_cases
from casepress.model.editions import language_problems, plan_handbook
from casepress.model.translations import groups
from conftest import copy_project, pdf_text

ORIGINAL = "vetting-in-liberia"
FRENCH = "verification-au-liberia"
SPANISH = "depuracion-en-liberia"
KENYA = "police-oversight-in-kenya"
MALI = "reforme-de-la-defense-au-mali"
CHROMIUM = chromium_path()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The fixture built in HTML (briefs, handbooks, site), as `casepress build` does."""
    root = copy_project("translations", tmp_path_factory.mktemp("translations"))
    report = build_project(load_project(root), formats=("html",))
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    return root / "build"


def page(path: Path):
    return html5lib.parse(path.read_text("utf-8"), namespaceHTMLElements=False)


# -- the model and `check` ----------------------------------------------------------------


def test_a_case_and_the_cases_naming_it_as_original_are_one_group():
    project = load_project(Path(__file__).parent / "projects" / "translations")
    catalogue = load_cases(project)
    assert not catalogue.problems
    found = {tuple(c.id for c in group) for group in groups(catalogue.cases)}
    assert found == {(ORIGINAL, SPANISH, FRENCH), (KENYA,), (MALI,)}  # original first


def _check(root: Path, capsys) -> tuple[int, list[str]]:
    code = main(["check", "-C", str(root)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).splitlines()


@pytest.mark.parametrize(
    ("case", "written", "said"),
    [
        (FRENCH, "vetting-in-liberria", "no case has the id 'vetting-in-liberria' (did you mean "
         "'vetting-in-liberia'?); write the id of the case this one was translated from"),
        (FRENCH, FRENCH, "a case cannot be a translation of itself"),
        (FRENCH, MALI, f"'{MALI}' is in French ('fr') too; a translation is in another "
         "language: set language: to this case's language"),
        (SPANISH, FRENCH, f"'{FRENCH}' is itself a translation (of '{ORIGINAL}'); point at "
         f"the original instead: translation_of: {ORIGINAL}"),
    ],
)  # fmt: skip
def test_check_says_what_is_wrong_with_translation_of_where_it_is_written(
    tmp_path, capsys, case, written, said
):
    root = copy_project("translations", tmp_path)
    path = root / "cases" / f"{case}.yaml"
    text = re.sub(r"translation_of: .*", f"translation_of: {written}", path.read_text("utf-8"))
    path.write_text(text, "utf-8")
    line = text.splitlines().index(f"translation_of: {written}") + 1
    code, lines = _check(root, capsys)
    assert code != 0
    shown = [x for x in lines if f"{case}.yaml:{line}:17: translation_of: " in x]
    assert len(shown) == 1 and said in shown[0], lines


def test_two_versions_of_one_case_in_one_language_are_an_error_at_the_second(tmp_path, capsys):
    root = copy_project("translations", tmp_path)
    text = (root / "cases" / f"{FRENCH}.yaml").read_text("utf-8")
    (root / "cases" / "zz-autre-version.yaml").write_text(text, "utf-8")
    code, lines = _check(root, capsys)
    assert code != 0
    (shown,) = [x for x in lines if "zz-autre-version.yaml:4:17: translation_of:" in x]
    assert f"{FRENCH}.yaml is already the French ('fr') version of '{ORIGINAL}'" in shown
    assert "keep one of them, or remove translation_of from the other" in shown


# -- briefs ----------------------------------------------------------------------------


def test_an_html_brief_links_its_other_versions_with_their_languages(built):
    doc = page(built / "briefs" / f"{ORIGINAL}.html")
    (line,) = doc.findall(".//p[@class='translations']")
    assert "".join(line.itertext()).split() == [
        "Also",
        "available",
        "in:",
        "Spanish",
        "(La",
        "depuración",
        "de",
        "la",
        "policía",
        "en",
        "Liberia),",
        "French",
        "(La",
        "vérification",
        "des",
        "antécédents",
        "de",
        "la",
        "police",
        "au",
        "Libéria)",
    ]
    links = [(a.get("href"), a.get("hreflang"), a.text) for a in line.findall("a")]
    assert links == [(f"{SPANISH}.html", "es", "Spanish"), (f"{FRENCH}.html", "fr", "French")]
    assert [c.get("lang") for c in line.findall("cite")] == ["es", "fr"]
    alternates = {
        (x.get("hreflang"), x.get("href")) for x in doc.findall(".//head/link[@rel='alternate']")
    }
    assert alternates == {
        ("en", f"{ORIGINAL}.html"), ("es", f"{SPANISH}.html"), ("fr", f"{FRENCH}.html")
    }  # fmt: skip


def test_a_translation_names_its_languages_in_its_own_language(built):
    doc = page(built / "briefs" / f"{FRENCH}.html")
    (line,) = doc.findall(".//p[@class='translations']")
    words = "".join(line.itertext()).split()  # "en : " with a narrow no-break space
    assert words[:5] == ["Aussi", "disponible", "en", ":", "anglais"]
    assert [a.text for a in line.findall("a")] == ["anglais", "espagnol"]


def test_a_case_in_one_language_says_nothing_of_translations(built):
    doc = page(built / "briefs" / f"{KENYA}.html")
    assert not doc.findall(".//p[@class='translations']")
    assert not doc.findall(".//head/link[@rel='alternate']")


def test_see_also_takes_the_readers_language_and_marks_a_case_in_another(built):
    doc = page(built / "briefs" / f"{MALI}.html")
    items = doc.findall(".//ul[@class='related-list']/li")
    first, second = ("".join(li.itertext()).strip() for li in items)
    # related: [vetting-in-liberia, ...]: its French version, unmarked
    assert first == "La vérification des antécédents de la police au Libéria"
    assert items[0].find("a").get("href") == f"{FRENCH}.html"
    # no French version: the English one, said to be in English, in French
    assert second == "Civilian oversight of the police in Kenya (en anglais)"
    link = items[1].find("a")
    assert (link.get("hreflang"), link.get("lang")) == ("en", "en")


# -- the site --------------------------------------------------------------------------


def test_the_index_lists_a_case_and_its_translations_once_with_its_languages(built):
    site = built / "site"
    doc = page(site / "index.html")
    items = doc.findall(".//li[@class='case-item']")
    assert [li.get("id") for li in items] == [f"item-{KENYA}", f"item-{MALI}", f"item-{ORIGINAL}"]
    liberia = items[2]
    shown = [v for v in liberia.findall("div") if v.get("hidden") is None]
    assert [v.get("lang") for v in shown] == ["en"]  # the site's language
    assert len(liberia.findall("div")) == 3  # the others, for the language filter
    languages = liberia.find(".//p[@class='case-item-languages']")
    assert [(a.text, a.get("hreflang"), a.get("href")) for a in languages.findall("a")] == [
        ("English", "en", f"cases/{ORIGINAL}.html"),  # the original, then by language tag
        ("Spanish", "es", f"cases/{SPANISH}.html"),
        ("French", "fr", f"cases/{FRENCH}.html"),
    ]
    assert items[1].get("lang") == "fr"  # a case with no English version: in its original
    assert items[1].find(".//p[@class='case-item-languages']") is None


def test_the_index_filters_by_language_on_the_text_of_every_version(built):
    doc = page(built / "site" / "index.html")
    select = doc.find(".//select[@id='filter-languages']")
    options = [(o.get("value"), " ".join(o.text.split())) for o in select.findall("option")]
    assert options == [("", "All languages"), ("en", "English (2)"), ("fr", "French (2)"),
                       ("es", "Spanish (1)")]  # fmt: skip
    data = json.loads(doc.find(".//script[@id='casepress-data']").text)
    liberia = next(entry for entry in data if entry["id"] == ORIGINAL)
    assert liberia["languages"] == ["en", "es", "fr"]
    assert "agents" in liberia["text"] and "criterios" in liberia["text"]  # French, Spanish
    assert "depuración" in liberia["themes"] and "vetting" in liberia["themes"]


def test_a_case_page_links_its_translations(built):
    doc = page(built / "site" / "cases" / f"{SPANISH}.html")
    (line,) = doc.findall(".//p[@class='translations']")
    hrefs = [(a.get("href"), a.get("hreflang"), a.text) for a in line.findall("a")]
    assert hrefs == [(f"{ORIGINAL}.html", "en", "inglés"), (f"{FRENCH}.html", "fr", "francés")]
    for href, _, _ in hrefs:
        assert (built / "site" / "cases" / href).is_file()


@pytest.mark.skipif(CHROMIUM is None, reason="needs chromium (scripts/install-system-deps)")
def test_the_language_filter_shows_each_case_in_that_language_in_a_browser(built):
    visible = (
        "Array.from(document.querySelectorAll('.case-item:not([hidden]) "
        ".case-version:not([hidden]) h3')).map(h => h.textContent.trim())"
    )
    with Browser(CHROMIUM) as browser:
        browser.open((built / "site" / "index.html").as_uri())
        browser.wait_until("!document.getElementById('filters').hidden")
        assert browser.evaluate(visible) == [
            "Civilian oversight of the police in Kenya",
            "La réforme de la défense au Mali",
            "Vetting the police in Liberia",
        ]
        browser.evaluate(
            "var s = document.getElementById('filter-languages'); s.value = 'fr';"
            "s.dispatchEvent(new Event('change', {bubbles: true}))"
        )
        assert browser.evaluate(visible) == [
            "La réforme de la défense au Mali",
            "La vérification des antécédents de la police au Libéria",
        ]
        current = "document.querySelector('#item-vetting-in-liberia [aria-current]').textContent"
        assert browser.evaluate(current) == "French"
        assert "languages=fr" in browser.evaluate("location.hash")
        browser.type_text("#filter-q", "credibilidad")  # Spanish text finds the entry
        browser.evaluate(
            "var s = document.getElementById('filter-languages'); s.value = '';"
            "s.dispatchEvent(new Event('change', {bubbles: true}))"
        )
        assert browser.evaluate(visible) == ["Vetting the police in Liberia"]


# -- handbooks -------------------------------------------------------------------------


def test_a_language_edition_takes_each_case_in_its_language_else_the_original():
    project = load_project(Path(__file__).parent / "projects" / "translations")
    catalogue = load_cases(project)
    plan = plan_handbook(project.handbooks["fr-edition"], catalogue, project)
    assert [c.id for c in plan.cases] == [FRENCH, KENYA, MALI]  # in the order of ids:
    assert [c.id for c in plan.fallbacks] == [KENYA]
    (said,) = language_problems(plan)
    assert said.severity == "warning" and said.field == "handbooks.fr-edition"
    assert f"prints {KENYA} (English) in the original language: it has no French version" in (
        said.message
    )
    assert f"add a case with language: fr and translation_of: {KENYA}" in said.message
    plain = plan_handbook(project.handbooks["en-edition"], catalogue, project)
    assert [c.id for c in plain.cases] == [ORIGINAL, KENYA, MALI] and not language_problems(plain)


def test_a_language_edition_that_skips_says_so_in_the_log_and_on_its_contents_page(built):
    project = load_project(Path(__file__).parent / "projects" / "translations")
    plan = plan_handbook(project.handbooks["es-only"], load_cases(project), project)
    assert [c.id for c in plan.cases] == [SPANISH]
    assert [c.id for c in plan.skipped] == [KENYA, MALI]
    (said,) = language_problems(plan)
    assert said.line == 15  # at fallback: skip
    assert f"leaves out {KENYA} (English), {MALI} (French)" in said.message
    doc = page(built / "handbooks" / "es-only.html")
    assert doc.get("lang") == "es"  # the edition's own headings are Spanish
    (line,) = doc.findall(".//p[@class='missing-cases untranslated-cases']")
    assert " ".join("".join(line.itertext()).split()) == (
        "No incluidos en esta edición, por no tener versión en español: "
        "Civilian oversight of the police in Kenya, La réforme de la défense au Mali"
    )


def test_a_brief_is_rebuilt_when_a_translation_is_retitled(tmp_path):
    root = copy_project("translations", tmp_path)
    build_project(load_project(root), formats=("html",))
    brief = root / "build" / "briefs" / f"{ORIGINAL}.html"
    before = brief.stat().st_mtime_ns
    path = root / "cases" / f"{FRENCH}.yaml"
    text = path.read_text("utf-8").replace("La vérification des antécédents", "Le contrôle", 1)
    path.write_text(text, "utf-8")
    build_project(load_project(root), formats=("html",))
    assert brief.stat().st_mtime_ns != before
    assert "Le contrôle de la police au Libéria" in brief.read_text("utf-8")


@pytest.mark.slow
def test_a_pdf_brief_names_its_other_versions_without_linking_them(tmp_path):
    root = copy_project("translations", tmp_path)
    report = build_project(load_project(root), formats=("pdf",))
    assert report.exit_code == 0
    pdf = root / "build" / "briefs" / f"{FRENCH}.pdf"
    text = pdf_text(pdf)
    assert (
        "Aussi disponible en : anglais (Vetting the police in Liberia), espagnol "
        "(La depuración de la policía en Liberia)" in text
    )
    from pypdf import PdfReader

    uris = [
        annotation.get_object().get("/A", {}).get("/URI")
        for p in PdfReader(pdf).pages
        for annotation in p.get("/Annots") or []
    ]
    assert not [u for u in uris if u and ORIGINAL in u]  # no link to a file that may be absent


def test_the_sample_peru_case_in_english_and_french_is_one_site_entry(tmp_path):
    from casepress.build.driver import build_site

    project = load_project(Path(__file__).resolve().parents[1], output_dir=tmp_path)
    report = build_site(project)
    assert report.exit_code == 0, [str(p) for p in report.problems + report.failures]
    doc = page(tmp_path / "site" / "index.html")
    items = doc.findall(".//li[@class='case-item']")
    assert len(items) == 3  # four case files
    (peru,) = [li for li in items if li.get("id") == "item-truth-seeking-and-ssr-in-peru"]
    languages = peru.find(".//p[@class='case-item-languages']")
    assert [a.text for a in languages.findall("a")] == ["English", "French"]
    # each version's tags in its own language (the issue: 'Peru' beside 'Amérique latine')
    versions = {
        v.get("lang"): v for v in peru.findall(".//div") if "case-version" in (v.get("class") or "")
    }
    countries = {
        lang: [t.text for t in v.iter("li") if "tag-country" in (t.get("class") or "")]
        for lang, v in versions.items()
    }
    assert countries == {"en": ["Peru"], "fr": ["Pérou"]}
    french = page(tmp_path / "site" / "cases" / "verite-et-rss-au-perou.html")
    (line,) = french.findall(".//p[@class='translations']")
    assert line.find("a").get("href") == "truth-seeking-and-ssr-in-peru.html"
    assert line.find("cite").text == "Truth-seeking and SSR in Peru"


def test_an_ad_hoc_edition_takes_a_language_on_the_command_line(tmp_path, capsys):
    root = copy_project("translations", tmp_path)
    out = tmp_path / "out"
    code = main(["handbook", "-C", str(root), "--title", "Cas", "--id", ORIGINAL, "--id", KENYA,
                 "--language", "fr", "--fallback", "skip", "--format", "html",
                 "--output", str(out)])  # fmt: skip
    said = capsys.readouterr()
    assert code == 0
    assert f"command line: warning: handbook cas leaves out {KENYA} (English)" in said.err
    assert "or set --fallback original" in said.err
    doc = page(out / "cas.html")
    assert [a.get("id") for a in doc.findall(".//article")] == [f"case-{FRENCH}"]
    with pytest.raises(SystemExit):
        main(["handbook", "-C", str(root), "--title", "Cas", "--language", "xx"])
    assert "argument --language: 'xx' is not a language casepress knows" in capsys.readouterr().err


def test_new_starts_a_translation_that_check_accepts(tmp_path, capsys):
    root = copy_project("translations", tmp_path)
    args = ["new", "Civil oversight in Kenya", "-C", str(root), "--id", "kenya-es"]
    assert main([*args, "--language", "es", "--translation-of", "police-oversigt-in-kenya"]) != 0
    assert "command line: --translation-of: no case has the id 'police-oversigt-in-kenya' " in (
        capsys.readouterr().err
    )
    assert main([*args, "--language", "en", "--translation-of", KENYA]) != 0
    assert f"--language: '{KENYA}' is in 'en' too" in capsys.readouterr().err
    assert main([*args, "--language", "es", "--translation-of", KENYA, "-q"]) == 0
    text = (root / "cases" / "kenya-es.yaml").read_text("utf-8")
    assert re.search(rf"^translation_of: {KENYA} +#", text, re.M)
    assert re.search(r"^countries: .*\n  - Kenya\n", text, re.M)  # shared with the original
    code, lines = _check(root, capsys)
    assert code == 0, lines
    catalogue = load_cases(load_project(root))
    assert {c.id for c in next(g for g in groups(catalogue.cases) if g[0].id == KENYA)} == {
        KENYA, "kenya-es"
    }  # fmt: skip
