"""Languages casepress prints in: the built-in label catalogues (English, French, Spanish,
Portuguese, Russian, Ukrainian), dates, month names read back, regions and country names in
each, and what a reader of a Portuguese, Russian or Ukrainian brief sees (tests/projects/
languages holds one case in each)."""

from __future__ import annotations

import datetime as dt
import re
import string
import subprocess

import pytest
import yaml
from pypdf import PdfReader

from casepress.cli import main
from casepress.model import schema
from casepress.model.labels import LABELS_DIR, builtin_labels, builtin_languages, label_set
from casepress.model.markup import render_markdown
from casepress.model.places import check_region, country_name, localised_country
from casepress.render.renderer import _date
from conftest import copy_project, pdf_text

NEW = ("pt", "ru", "uk")
CASES = {
    "pt": "reforma-da-policia-em-timor-leste",
    "ru": "reforma-militsii-v-kyrgyzstane",
    "uk": "reforma-patrulnoi-politsii-v-ukraini",
}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# -- the catalogues --------------------------------------------------------------------------


def test_portuguese_russian_and_ukrainian_are_built_in():
    assert set(NEW) <= set(builtin_languages())


@pytest.mark.parametrize("language", builtin_languages())
def test_every_catalogue_has_every_key_of_english_and_its_placeholders(language):
    english = builtin_labels("en")
    labels = builtin_labels(language)
    assert list(labels) == list(english), "same keys, in the same order, as en.yaml"
    for key, text in labels.items():
        assert text.strip(), key
        assert placeholders(text) == placeholders(english[key]), key
    raw = yaml.safe_load((LABELS_DIR / f"{language}.yaml").read_text("utf-8"))
    assert all(isinstance(v, str) for v in raw.values()), "every label is text"


@pytest.mark.parametrize("language", ["ru", "uk"])
def test_cyrillic_catalogues_leave_no_english(language):
    # Latin letters only in names and codes that are printed as they are in any language
    kept = {"casepress", "PDF", "ISBN", "DOI", "long"}
    for key, text in builtin_labels(language).items():
        words = set(re.findall(r"[A-Za-z]+", text.replace("{", " ").replace("}", " ")))
        words -= placeholders(text)
        assert words <= kept, (key, text)
        assert '"' not in text and "“" not in text, f"{key}: quotes in Russian/Ukrainian are « »"


def test_portuguese_labels_are_portuguese():
    labels = builtin_labels("pt")
    english = builtin_labels("en")
    same = {key for key in labels if labels[key] == english[key]}
    assert same == {"isbn", "doi", "date_format", "pdf", "page_abbreviation"}
    assert (
        labels["lessons"] == "Lições aprendidas" and labels["page_of"] == "Página {page} de {pages}"
    )


def test_a_regional_tag_takes_the_languages_labels_and_its_own_overrides():
    labels = label_set("pt-BR", {"pt-BR": {"download_pdf": "Baixar o PDF"}})
    assert labels["lessons"] == "Lições aprendidas" and labels["download_pdf"] == "Baixar o PDF"


def test_the_warning_on_a_language_without_labels_lists_what_ships(tmp_path, monkeypatch, capsys):
    project = copy_project("languages", tmp_path)
    case = project / "cases" / f"{CASES['pt']}.yaml"
    case.write_text(case.read_text("utf-8").replace("language: pt", "language: hy"), "utf-8")
    monkeypatch.chdir(project)
    assert main(["check"]) == 0
    err = capsys.readouterr().err
    assert "casepress has no labels in Armenian ('hy')" in err
    assert "(casepress ships Arabic (ar), English (en), " in err
    for name in ("Portuguese (pt)", "Russian (ru)", "Ukrainian (uk)"):
        assert name in err
    assert "Russian ('ru')" not in err and "Ukrainian ('uk')" not in err  # those have labels


# -- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day", "month"),
    [
        ("pt", "17 de maio de 2024", "maio de 2024"),
        # Russian and Ukrainian decline the month inside a date, not when it stands alone
        ("ru", "17 мая 2024\u202fг.", "май 2024\u202fг."),
        ("uk", "17 травня 2024\u202fр.", "травень 2024\u202fр."),
    ],
)
def test_dates_are_printed_in_the_cases_language(language, day, month):
    assert _date(dt.date(2024, 5, 17), language) == day
    assert _date(schema.Month(2024, 5, 1), language) == month


@pytest.mark.parametrize(
    "written",
    ["maio de 2024", "mai. 2024", "май 2024", "май 2024 г.", "мая 2024", "травень 2024",
     "травня 2024 р.", "трав. 2024", "Травень 2024"],
)  # fmt: skip
def test_a_month_is_read_in_portuguese_russian_and_ukrainian(written):
    assert schema._parse_date(written) == schema.Month(2024, 5, 1)


def test_an_unknown_month_name_is_still_refused():
    with pytest.raises(ValueError, match="expected a date written YYYY-MM-DD"):
        schema._parse_date("травнь 2024")


# -- regions and countries -------------------------------------------------------------------


@pytest.mark.parametrize(
    "region",
    ["Ásia e Pacífico", "América Latina e Caraíbas", "América Latina e Caribe",
     "África Subsariana", "Европа и Центральная Азия", "Африка к югу от Сахары",
     "Європа та Центральна Азія", "Близький Схід і Північна Африка"],
)  # fmt: skip
def test_built_in_regions_are_accepted_in_the_new_languages(region):
    assert check_region(region) == (region, "")


def test_a_region_within_a_built_in_one_is_named_in_its_language():
    found, why = check_region("Центральная Азия")
    assert found is None and "lies within the region 'Европа и Центральная Азия'" in why
    found, why = check_region("África Ocidental")
    assert found is None and "lies within the region 'África Subsariana'" in why


def test_a_country_given_as_a_region_in_cyrillic_is_sent_to_countries():
    found, why = check_region("Киргизия")
    assert found is None and "'Киргизия' is a country, not a region" in why
    assert "as 'Kyrgyzstan'" in why


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        # European Portuguese, the norm of Lusophone Africa and Timor-Leste; Brazil's for pt-BR
        ("pt", ["Quénia", "Vietname", "República Democrática do Congo", "Myanmar"]),
        ("pt-BR", ["Quênia", "Vietnã", "República Democrática do Congo", "Myanmar"]),
        ("ru", ["Кения", "Вьетнам", "Демократическая Республика Конго", "Мьянма"]),
        ("uk", ["Кенія", "Вʼєтнам", "Демократична Республіка Конго", "Мʼянма"]),
    ],
)
def test_country_names_in_the_new_languages(language, expected):
    assert [country_name(n, language) for n in ("Kenya", "Viet Nam", "COD", "Myanmar")] == expected


def test_a_projects_country_names_still_win():
    assert country_name("Kyrgyzstan", "ru") == "Кыргызстан"
    overrides = {"ru": {"KG": "Киргизия"}}
    assert localised_country("Kyrgyzstan", "ru", overrides) == "Киргизия"
    assert localised_country("Kyrgyzstan", "ru-KG", overrides) == "Киргизия"


def test_a_country_written_in_another_language_is_told_what_to_write(tmp_path, monkeypatch, capsys):
    project = copy_project("languages", tmp_path)
    case = project / "cases" / f"{CASES['uk']}.yaml"
    case.write_text(case.read_text("utf-8").replace("[Ukraine, Georgia]", "[Україна, Georgia]"))
    monkeypatch.chdir(project)
    assert main(["check"]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"cases/{CASES['uk']}.yaml:8:13: countries #1: 'Україна' is Ukraine in Ukrainian: write "
        "'Ukraine' or its code 'UA'; case files name countries in English or by ISO code, and "
        "every output prints them in the case's language"
    )


# -- what a reader sees ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def html_briefs(tmp_path_factory):
    root = tmp_path_factory.mktemp("languages-html")
    project = copy_project("languages", root)
    out = root / "out"
    code = main(["brief", str(project / "cases"), "-C", str(project), "--format", "html", "--strict", "-q",
                 "--output", str(out)])  # fmt: skip
    assert code == 0
    return {language: (out / f"{name}.html").read_text("utf-8") for language, name in CASES.items()}


@pytest.mark.parametrize(
    ("language", "seen"),
    [
        ("pt", ['lang="pt"', "Estudo de caso", "Contexto", "Ponto de entrada",
                "Lições aprendidas", "Para saber mais", "17 de maio de 2024",
                "consultado em maio de 2024", "Ásia e Pacífico", "Indonésia"]),
        ("ru", ['lang="ru"', "Тематическое исследование", "Контекст", "Точка входа",
                "Извлеченные уроки", "Дополнительные материалы", "Дата публикации",
                "17 мая 2024\u202fг.", "дата обращения: май 2024\u202fг.", "Кыргызстан",
                "Казахстан", "Европа и Центральная Азия", "«Меры"]),
        ("uk", ['lang="uk"', "Тематичне дослідження", "Контекст", "Точка входу",
                "Здобуті уроки", "Додаткові матеріали", "Дата публікації",
                "17 травня 2024\u202fр.", "дата звернення: травень 2024\u202fр.", "Україна",
                "Грузія", "Європа та Центральна Азія", "«Про Національну поліцію»"]),
    ],
)  # fmt: skip
def test_the_html_brief_has_the_languages_labels_dates_and_names(html_briefs, language, seen):
    html = re.sub(r"<style.*?</style>", "", html_briefs[language], flags=re.S)  # no CSS comments
    for text in seen:
        assert text in html, text
    for english in ("Lessons learned", "Case study", "Further resources", "Published"):
        assert english not in html, english


@pytest.fixture(scope="module")
def pdf_briefs(tmp_path_factory):
    root = tmp_path_factory.mktemp("languages-pdf")
    project = copy_project("languages", root)
    out = root / "out"
    code = main(["brief", str(project / "cases"), "-C", str(project), "--format", "pdf", "--strict", "-q",
                 "--output", str(out)])  # fmt: skip
    assert code == 0  # --strict: no glyph is missing, nothing refused
    return {language: out / f"{name}.pdf" for language, name in CASES.items()}


@pytest.mark.slow
def test_the_portuguese_pdf_has_portuguese_labels_and_dates(pdf_briefs):
    text = pdf_text(pdf_briefs["pt"])
    for seen in ("ESTUDO DE CASO", "Contexto", "Ponto de entrada", "Lições aprendidas",
                 "Resultados", "Para saber mais", "Fonte: Biblioteca de casos (consultado em "
                 "maio de 2024)", "Publicado em: 17 de maio de 2024", "Página 1 de 2",
                 "Países: Timor-Leste, Indonésia"):  # fmt: skip
        assert seen in text, seen
    assert "Lessons" not in text and "Page 1" not in text


@pytest.mark.slow
@pytest.mark.parametrize("language", ["ru", "uk"])
def test_cyrillic_is_drawn_by_the_shipped_fonts_italics_included(pdf_briefs, language):
    pdf = pdf_briefs[language]
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    names = {line.split()[0].split("+")[-1] for line in fonts.stdout.splitlines()[2:]}
    assert names == {
        "Source-Sans-Pro-Semi-Bold",
        "Source-Sans-Pro",
        "Source-Serif-Pro",
        "Source-Serif-Pro-Italic",
    }  # fmt: skip  (no fallback font, no fake slant)
    italic = {"ru": "самого низкого", "uk": "нову"}[language]
    glyphs = _font_characters(pdf, "Source-Serif-Pro-Italic")
    assert set(italic.replace(" ", "")) <= glyphs  # the emphasis is set in the italic
    text = pdf_text(pdf)
    assert {"ru": "Страница 1 из 2", "uk": "Сторінка 1 з 2"}[language] in text


def _font_characters(pdf, name: str) -> set[str]:
    """The characters a font embedded in the PDF maps (its ToUnicode), by its base name."""
    found: set[str] = set()
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if str(font["/BaseFont"]).split("+")[-1] != name:
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for hexes in re.findall(r"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]+)>", cmap):
                found.add(bytes.fromhex(hexes).decode("utf-16-be", "replace"))
    return found


@pytest.mark.parametrize(
    ("language", "quoted"),
    [("ru", "«Меры»"), ("uk", "«Меры»"), ("pt", "«Меры»"), ("pt-PT", "«Меры»"),
     ("pt-BR", "“Меры”"), ("en", "“Меры”")],
)  # fmt: skip
def test_quotation_marks_follow_the_language(language, quoted):
    assert render_markdown('Закон "Меры".', language=language) == f"<p>Закон {quoted}.</p>"
