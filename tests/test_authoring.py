"""The first minutes with casepress: `init` → `new` → `check` → `build` in an empty folder,
editor validation from the start, and nothing ever overwritten."""

import json
import re

import jsonschema
import pytest
import yaml

from casepress import load_case, load_cases, load_project
from casepress.authoring.create import SAMPLE_ID, case_id_from_title, plan_case
from casepress.cli import main
from casepress.model.cases import CASE_SPEC
from casepress.model.yamlwriter import scalar as yaml_scalar

INIT_FILES = [
    ".casepress/case.schema.json",
    ".casepress/project.schema.json",
    ".gitignore",
    ".vscode/extensions.json",
    ".vscode/settings.json",
    "casepress.yaml",
    f"cases/{SAMPLE_ID}.yaml",
]


def files_in(folder) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.mark.slow
def test_init_new_check_build_in_an_empty_folder(tmp_path, capsys):
    library = tmp_path / "library"
    assert main(["init", str(library)]) == 0
    assert files_in(library) == INIT_FILES
    assert "next:" in capsys.readouterr().err

    code = main(["new", "Police reform in Liberia", "-C", str(library), "--country", "LR",
                 "--region", "Sub-Saharan Africa", "--theme", "Police reform", "--topic", "Gender"])  # fmt: skip
    assert code == 0
    path = library / "cases" / "police-reform-in-liberia.yaml"
    assert capsys.readouterr().err == (
        f"made {path}: fill in the TODOs, then 'casepress check'\n"  # tmp_path: not under cwd
    )
    assert path.is_file()

    assert main(["check", "-C", str(library)]) == 0  # valid at once ...
    err = capsys.readouterr().err
    assert "2 valid, 0 error(s), 6 warning(s) — valid" in err
    assert "police-reform-in-liberia.yaml:8:10: warning: summary: still holds a TODO" in err
    assert main(["check", "-C", str(library), "--strict"]) == 2  # ... but not publishable
    capsys.readouterr()

    assert main(["build", "-C", str(library), "-q"]) == 0
    build = library / "build"
    for case_id in (SAMPLE_ID, "police-reform-in-liberia"):
        for output in (f"briefs/{case_id}.pdf", f"briefs/{case_id}.html",
                       f"site/cases/{case_id}.html", f"site/cases/{case_id}.pdf"):  # fmt: skip
            assert (build / output).stat().st_size > 1000, output
    for output in ("handbooks/casebook.pdf", "site/index.html", "site/handbooks/casebook.pdf"):
        assert (build / output).is_file(), output
    index = (build / "site" / "index.html").read_text("utf-8")
    assert "Police reform in Liberia" in index and "Truth-seeking and SSR in Peru" in index

    case = load_case(path, load_project(library))[0]
    assert case.countries == ("Liberia",) and case.regions == ("Sub-Saharan Africa",)
    assert case.themes == ("Police reform", "Gender") and case.language == "en"


def test_init_refuses_to_overwrite_and_then_writes_nothing(tmp_path, capsys):
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "settings.json").write_text('{"mine": true}')
    (tmp_path / "casepress.yaml").write_text("title: Mine\n")
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "casepress.yaml: already exists; casepress does not overwrite it" in err
    assert ".vscode/settings.json: already exists" in err
    assert "nothing was written" in err
    assert files_in(tmp_path) == [".vscode/settings.json", "casepress.yaml"]
    assert (tmp_path / "casepress.yaml").read_text() == "title: Mine\n"


def test_init_in_the_current_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert files_in(tmp_path) == INIT_FILES
    assert "cd " not in capsys.readouterr().err


def test_editors_check_case_files_from_the_start(tmp_path):
    """The schema exists right after init, and both ways of pointing editors at it resolve."""
    main(["init", str(tmp_path), "-q"])
    main(["new", "A case", "-C", str(tmp_path), "-q"])
    schema = json.loads((tmp_path / ".casepress" / "case.schema.json").read_text())
    settings = json.loads((tmp_path / ".vscode" / "settings.json").read_text())
    globs = settings["yaml.schemas"][".casepress/case.schema.json"]
    assert "cases/**/*.yaml" in globs
    assert (tmp_path / ".casepress" / "project.schema.json").is_file()
    assert json.loads((tmp_path / ".vscode" / "extensions.json").read_text())["recommendations"]
    cases = sorted((tmp_path / "cases").glob("*.yaml"))
    assert [p.name for p in cases] == ["a-case.yaml", f"{SAMPLE_ID}.yaml"]
    for path in cases:
        first = path.read_text("utf-8").splitlines()[0]
        reference = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first).group(1)
        assert json.loads((path.parent / reference).read_text()) == schema
        jsonschema.validate(yaml.safe_load(path.read_text("utf-8")), schema)  # empty = absent
    config = yaml.safe_load((tmp_path / "casepress.yaml").read_text())
    project_schema = json.loads((tmp_path / ".casepress" / "project.schema.json").read_text())
    jsonschema.validate(config, project_schema)


def test_the_sample_and_new_cases_show_every_field(tmp_path):
    main(["init", str(tmp_path), "-q"])
    main(["new", "A case", "-C", str(tmp_path), "-q"])
    cases = sorted((tmp_path / "cases").glob("*.yaml"))
    assert [p.name for p in cases] == ["a-case.yaml", f"{SAMPLE_ID}.yaml"]
    for path in cases:
        lines = path.read_text("utf-8").splitlines()
        for name in CASE_SPEC.fields:
            line = next((x for x in lines if x.startswith(f"{name}:")), None)
            assert line is not None, f"{path.name}: {name}"
            assert "#" in line, f"{path.name}: {name} has no note"
    catalogue = load_cases(load_project(tmp_path))
    assert not catalogue.errors
    sample = catalogue.get(SAMPLE_ID)
    assert len(sample.lessons) == 3 and sample.countries == ("Peru",)
    assert sample.source is None  # `source:` with its keys commented out is no source


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Police reform in Sierra Leone", "police-reform-in-sierra-leone"),
        ("Réforme de la police en Haïti", "reforme-de-la-police-en-haiti"),
        ("  SSR: the “Liberia” model (2003–2006)!  ", "ssr-the-liberia-model-2003-2006"),
        ("Straße über Åland, Łódź", "strasse-uber-aland-lodz"),
        ("x" * 90, "x" * 80),
        ("word " * 20, "-".join(["word"] * 16)),
        ("Реформа полиции", "reforma-politsii"),
        ("Women’s police units", "womens-police-units"),
        ("?! 🕊", ""),
    ],
)
def test_ids_are_made_from_titles(title, expected):
    assert case_id_from_title(title) == expected


def test_new_needs_an_id_it_can_make_and_a_known_country(tmp_path, capsys):
    main(["init", str(tmp_path), "-q"])
    assert main(["new", "?! 🕊", "-C", str(tmp_path)]) == 2
    assert "cannot make an id from '?! 🕊'; give one with --id" in capsys.readouterr().err
    assert main(["new", "Реформа полиции", "--id", "police-reform-russia", "-C", str(tmp_path),
                 "--language", "ru", "--country", "Liberai", "--country", "Narnia"]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "command line: --country: unknown country 'Liberai' (did you mean 'Liberia'?)" in err
    assert "unknown country 'Narnia'" in err
    assert main(["new", "Реформа полиции", "--id", "police-reform-russia", "-C", str(tmp_path),
                 "--language", "ru", "--country", "RU"]) == 0  # fmt: skip
    case = load_case(tmp_path / "cases" / "police-reform-russia.yaml", load_project(tmp_path))[0]
    assert case.title == "Реформа полиции" and case.countries == ("Russia",)


def test_new_refuses_to_overwrite_a_case(tmp_path, capsys):
    main(["init", str(tmp_path), "-q"])
    sample = tmp_path / "cases" / f"{SAMPLE_ID}.yaml"
    before = sample.read_bytes()
    assert main(["new", "Truth-seeking and SSR in Peru", "-C", str(tmp_path)]) == 2
    assert f"{SAMPLE_ID}.yaml: already exists" in capsys.readouterr().err
    assert sample.read_bytes() == before
    (tmp_path / "cases" / "other.yml").write_text("title: x\n")
    assert main(["new", "Other", "-C", str(tmp_path)]) == 2  # .yml counts too
    assert not (tmp_path / "cases" / "other.yaml").exists()


@pytest.mark.parametrize(
    "value", ["NO", "True", "2003", "- a list?", "a: b", "x #y", "it's", '"quoted"', "[a]", "Plain"]
)
def test_values_are_quoted_only_when_yaml_needs_it(value):
    written = yaml_scalar(value)
    assert yaml.safe_load(f"key: {written}") == {"key": value}
    assert yaml.safe_load(f"- {written}") == [value]
    assert (written == value) == (value in ("Plain", "it's"))


def test_tricky_values_come_back_as_typed(tmp_path):
    main(["init", str(tmp_path), "-q"])
    with (tmp_path / "casepress.yaml").open("a", encoding="utf-8") as config:
        config.write("regions: ['Europe: East']\n")  # a region of the project's own
    project = load_project(tmp_path)
    path, text = plan_case(
        project, 'No: "the #1" case', regions=["Europe: East"], themes=["NO", "1.10"],
        countries=["no"],
    )  # fmt: skip
    path.write_text(text, "utf-8")
    case, problems = load_case(path, project)
    assert [p for p in problems if p.severity == "error"] == []
    assert case.title == 'No: "the #1" case' and case.id == "no-the-1-case"
    assert case.regions == ("Europe: East",) and case.themes == ("NO", "1.10")
    assert case.countries == ("Norway",)


@pytest.mark.parametrize("command", ["init", "new", "serve"])
def test_help_has_examples(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "examples:\n  casepress " in capsys.readouterr().out
