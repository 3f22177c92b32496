"""Cache keys without a build: a key changes when, and only when, an input that shapes the
output changes; a project moved elsewhere or built again as it is keeps every key.

Keys are computed from inputs alone (cache.py renders nothing), so these tests are fast.
"""

import dataclasses
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from casepress import load_cases, load_project
from casepress.build import cache
from casepress.model.editions import plan_handbook
from casepress.render.site import INDEX_PAGE, case_page
from casepress.theme.chain import theme_for
from conftest import write_png

CONFIG = """\
title: Keys fixture
organisation: Keys Institute
language: en
handbooks:
  reader:
    title: Reader
    introduction: intro.md
    ids: [alpha, beta]
"""


def case_yaml(title: str, context: str = "Context.", related: str = "") -> str:
    text = f"title: {title}\ncontext: |\n  {context}\nlessons:\n  - text: A lesson.\n"
    return text + (f"related: [{related}]\n" if related else "")


@pytest.fixture(autouse=True)
def no_source_date(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def root(tmp_path) -> Path:
    """A project: alpha names an image and lists beta under See also; gamma stands alone."""
    root = tmp_path / "library"
    (root / "cases").mkdir(parents=True)
    (root / "casepress.yaml").write_text(CONFIG)
    (root / "intro.md").write_text("An introduction.\n")
    (root / "styles").mkdir()
    (root / "styles" / "base.css").write_text("h1 { color: #123456 }\n")
    write_png(root / "cases" / "images" / "map.png", 4, 4, "RGB")
    cases = root / "cases"
    (cases / "alpha.yaml").write_text(
        case_yaml("Alpha", "See the map.\n\n  ![A map](images/map.png)", related="beta")
    )
    (cases / "beta.yaml").write_text(case_yaml("Beta"))
    (cases / "gamma.yaml").write_text(case_yaml("Gamma"))
    return root


@dataclasses.dataclass
class Keys:
    environment: str
    briefs: dict[str, str]  # case id → key of its PDF brief
    html: dict[str, str]  # case id → key of its HTML brief
    handbook: str
    site: dict[str, str]


def keys(root: Path, **settings) -> Keys:
    """Every key a build of this project would compute, the way the build computes them."""
    project = load_project(root, **settings)
    assert not project.warnings
    theme = theme_for(project)
    catalogue = load_cases(project)
    assert not catalogue.problems, [str(p) for p in catalogue.problems]
    environment = cache.environment_digest(project, theme, {"document": "brief"})
    titles = {c.id: c.title for c in catalogue.cases}
    owns = {c.id: cache.case_digest(c) for c in catalogue.cases}
    plan = plan_handbook(project.handbooks["reader"], catalogue, project)
    return Keys(
        environment,
        {c.id: cache.brief_key(environment, c, titles, "pdf", owns[c.id]) for c in catalogue.cases},
        {
            c.id: cache.brief_key(environment, c, titles, "html", owns[c.id])
            for c in catalogue.cases
        },
        cache.handbook_key(environment, plan, titles, "pdf", owns),
        cache.site_keys(environment, catalogue.cases, {"alpha", "beta", "gamma"}, None),
    )


def changed(before: Keys, after: Keys) -> set[str]:
    """Which keys differ: 'environment', 'brief:<id>', 'html:<id>', 'handbook', 'site:<page>'."""
    assert before.briefs.keys() == after.briefs.keys()
    found = {"environment"} if before.environment != after.environment else set()
    found |= {f"brief:{i}" for i in before.briefs if before.briefs[i] != after.briefs[i]}
    found |= {f"html:{i}" for i in before.html if before.html[i] != after.html[i]}
    found |= {"handbook"} if before.handbook != after.handbook else set()
    return found | {f"site:{p}" for p in before.site if before.site[p] != after.site[p]}


def everything(keys_: Keys) -> set[str]:
    return {"environment", "handbook"} | {
        f"{kind}:{name}"
        for kind, names in (("brief", keys_.briefs), ("html", keys_.html), ("site", keys_.site))
        for name in names
    }


def test_the_fixture_has_the_keys_it_seems_to(root):
    found = keys(root)
    assert sorted(found.briefs) == ["alpha", "beta", "gamma"]
    assert sorted(found.site) == sorted([INDEX_PAGE, *(case_page(i) for i in found.briefs)])
    every = [found.environment, found.handbook, *found.briefs.values(), *found.html.values(),
             *found.site.values()]  # fmt: skip
    assert len(set(every)) == len(every) == 12  # no two outputs share a key
    assert all(re.fullmatch(r"[0-9a-f]{32}", k) for k in every), every


# -- what must not change a key -------------------------------------------------------------
def test_a_rebuild_with_nothing_changed_computes_the_same_keys(root):
    first = keys(root)
    for path in root.rglob("*"):  # touched, even rewritten with the same bytes
        if path.is_file():
            path.write_bytes(path.read_bytes())
            os.utime(path, (1_000_000, 1_000_000))
    assert changed(first, keys(root)) == set()


def test_a_project_moved_or_copied_elsewhere_keeps_every_key(root, tmp_path):
    first = keys(root)
    moved = tmp_path / "elsewhere" / "deeper" / "renamed"
    shutil.copytree(root, moved)
    assert changed(first, keys(moved)) == set()
    # built into another output folder, it is still the same outputs
    assert changed(first, keys(root, output_dir=tmp_path / "out")) == set()


def test_cosmetic_changes_to_the_yaml_file_are_still_changes_of_its_bytes(root):
    """Keys digest a case file's bytes: a comment is not parsed away (a safe over-rebuild)."""
    first = keys(root)
    path = root / "cases" / "gamma.yaml"
    path.write_text("# a comment\n" + path.read_text())
    assert changed(first, keys(root)) == {"brief:gamma", "html:gamma", "site:" + case_page("gamma"),
                                          "site:" + INDEX_PAGE}  # fmt: skip


# -- what must change exactly the keys of the outputs that show it ---------------------------
def test_a_cases_text_changes_its_outputs_and_those_that_hold_it(root):
    first = keys(root)
    path = root / "cases" / "beta.yaml"
    path.write_text(case_yaml("Beta", "A new context."))
    assert changed(first, keys(root)) == {
        "brief:beta", "html:beta", "handbook", f"site:{case_page('beta')}", f"site:{INDEX_PAGE}",
    }  # fmt: skip
    # alpha lists beta under See also, but shows only its title, which is unchanged


def test_a_new_title_changes_the_briefs_that_list_it_under_see_also(root):
    first = keys(root)
    (root / "cases" / "beta.yaml").write_text(case_yaml("Beta, retitled"))
    assert changed(first, keys(root)) == {
        "brief:beta", "html:beta", "brief:alpha", "html:alpha", "handbook",
        f"site:{case_page('beta')}", f"site:{case_page('alpha')}", f"site:{INDEX_PAGE}",
    }  # fmt: skip


def test_a_case_outside_the_handbook_leaves_the_handbook_key_alone(root):
    first = keys(root)
    (root / "cases" / "gamma.yaml").write_text(case_yaml("Gamma", "Other words."))
    assert "handbook" not in changed(first, keys(root))
    assert "brief:gamma" in changed(first, keys(root))


def test_replacing_an_image_the_case_names_changes_its_outputs(root):
    first = keys(root)
    write_png(root / "cases" / "images" / "map.png", 5, 4, "RGB")
    assert changed(first, keys(root)) == {
        "brief:alpha", "html:alpha", "handbook", f"site:{case_page('alpha')}", f"site:{INDEX_PAGE}",
    }  # fmt: skip


def test_an_image_no_case_names_changes_nothing(root):
    first = keys(root)
    write_png(root / "cases" / "images" / "unused.png", 5, 4, "RGB")
    assert changed(first, keys(root)) == set()


def test_a_missing_image_and_a_present_one_give_different_keys(root):
    first = keys(root)
    (root / "cases" / "images" / "map.png").unlink()
    assert "brief:alpha" in changed(first, keys(root))


@pytest.mark.parametrize(
    "markup",
    ['<img src="images/map.png" alt="A map">', "![A map][map]\n\n  [map]: images/map.png"],
)
def test_replacing_an_image_named_in_other_markup_changes_its_outputs(root, markup):
    (root / "cases" / "alpha.yaml").write_text(case_yaml("Alpha", markup))
    first = keys(root)
    write_png(root / "cases" / "images" / "map.png", 5, 4, "RGB")
    assert "brief:alpha" in changed(first, keys(root))


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("styles/base.css", "h1 { color: #654321 }\n"),  # the project's own style layer
        ("styles/extra.css", "/* a new file in a style folder */\n"),
        ("templates/brief.html.j2", '{% extends "base:brief.html.j2" %}\n'),  # a new layer
    ],
)
def test_a_theme_file_changes_every_output(root, path, text):
    first = keys(root)
    (root / path).parent.mkdir(exist_ok=True)
    (root / path).write_text(text)
    assert changed(first, keys(root)) == everything(first)


def test_a_theme_folder_changes_every_output_of_the_projects_using_it(root):
    theme = root / "themes" / "house"
    theme.mkdir(parents=True)
    (theme / "theme.yaml").write_text("name: house\nfooter: One footer\n")
    first = keys(root, theme="house")
    assert first.environment != keys(root).environment
    (theme / "theme.yaml").write_text("name: house\nfooter: Another footer\n")
    assert changed(first, keys(root, theme="house")) == everything(first)
    (theme / "notes.txt").write_text("any file in the theme's folder: fonts, logos...\n")
    second = keys(root, theme="house")
    assert changed(first, second) == everything(first)
    (theme / ".hidden").write_text("hidden files are skipped\n")
    assert changed(second, keys(root, theme="house")) == set()


@pytest.mark.parametrize(
    "setting",
    [{"page_size": "letter"}, {"pdf_variant": "pdf/a-3b"}, {"profile": "print"},
     {"language": "fr"}, {"embed_source": True}, {"allow_network": True},
     {"max_elements": 1234}, {"brief_max_pages": 3}],
)  # fmt: skip
def test_a_project_setting_changes_every_output(root, setting):
    first = keys(root)
    project = dataclasses.replace(load_project(root), **setting)
    assert cache.environment_digest(project, theme_for(project), {"document": "brief"}) != (
        first.environment
    )


def test_a_setting_in_casepress_yaml_changes_every_output(root):
    first = keys(root)
    config = root / "casepress.yaml"
    config.write_text(
        config.read_text().replace("organisation: Keys Institute", "organisation: Other")
    )
    assert changed(first, keys(root)) == everything(first)


def test_the_handbooks_definition_and_introduction_change_only_the_handbook(root):
    first = keys(root)
    (root / "intro.md").write_text("Another introduction.\n")
    assert changed(first, keys(root)) == {"handbook"}
    second = keys(root)
    config = root / "casepress.yaml"
    config.write_text(config.read_text().replace("title: Reader", "title: Course reader"))
    assert changed(second, keys(root)) == {"handbook"}
    third = keys(root)
    config.write_text(config.read_text().replace("ids: [alpha, beta]", "ids: [beta, alpha]"))
    assert changed(third, keys(root)) == {"handbook"}  # the same cases in another order


def test_the_format_and_the_kind_of_document_are_part_of_the_key(root):
    found = keys(root)
    assert found.briefs["alpha"] != found.html["alpha"]
    project = load_project(root)
    theme = theme_for(project)
    brief = cache.environment_digest(project, theme, {"document": "brief"})
    assert brief == found.environment
    assert cache.environment_digest(project, theme, {"document": "handbook"}) != brief
    assert cache.environment_digest(project, theme, {"document": "brief", "x": 1}) != brief


def test_source_date_epoch_changes_every_output_and_each_value_its_own(root, monkeypatch):
    first = keys(root)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert cache.source_date() == "2023-11-14T22:13:20Z"
    dated = keys(root)
    assert changed(first, dated) == everything(first)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    assert changed(dated, keys(root)) == everything(first)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not a number")  # ignored, as unset
    assert cache.source_date() is None
    assert changed(first, keys(root)) == set()


def test_an_attached_source_file_adds_its_date_unless_source_date_epoch_sets_it(root, monkeypatch):
    [case] = [c for c in load_cases(load_project(root)).cases if c.id == "gamma"]
    attached = cache.case_digest(case, attached=True)
    assert attached != cache.case_digest(case)  # its modification time is in the PDF
    os.utime(case.path, (2_000_000, 2_000_000))
    assert cache.case_digest(case, attached=True) != attached
    assert cache.case_digest(case) == cache.case_digest(case, attached=False)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    dated = cache.case_digest(case, attached=True)
    os.utime(case.path, (3_000_000, 3_000_000))
    assert cache.case_digest(case, attached=True) == dated == cache.case_digest(case)


def test_the_site_index_depends_on_every_case_the_pdfs_and_the_handbooks_listed(root):
    project = load_project(root)
    cases = load_cases(project).cases
    environment = cache.environment_digest(project, theme_for(project), {"document": "site"})
    base = cache.site_keys(environment, cases, {"alpha", "beta", "gamma"}, {"reader": ["pdf"]})
    fewer_pdfs = cache.site_keys(environment, cases, {"alpha", "beta"}, {"reader": ["pdf"]})
    assert {p for p in base if base[p] != fewer_pdfs[p]} == {INDEX_PAGE, case_page("gamma")}
    other_books = cache.site_keys(environment, cases, {"alpha", "beta", "gamma"}, {})
    assert {p for p in base if base[p] != other_books[p]} == {INDEX_PAGE}
    formats = cache.site_keys(
        environment, cases, {"alpha", "beta", "gamma"}, {"reader": ["html", "pdf"]}
    )
    assert {p for p in base if base[p] != formats[p]} == {INDEX_PAGE}
    # the order handbooks and PDFs are listed in is not a change
    again = cache.site_keys(
        environment, list(cases), {"gamma", "beta", "alpha"}, {"reader": ["pdf"]}
    )
    assert again == base


# -- digests, shards, manifests --------------------------------------------------------------
def test_a_digest_tells_structure_apart():
    assert cache.digest("ab") != cache.digest("a", "b")
    assert cache.digest("a", "b") != cache.digest(["a", "b"])
    assert cache.digest("a") != cache.digest(b"a")
    assert cache.digest(["a", ["b"]]) != cache.digest(["a", "b"])
    assert cache.digest(("a", "b")) == cache.digest(["a", "b"])
    assert len(cache.digest("x")) == 32


SHARDS = [1, 2, 3, 3, 3, 1, 2, 1]  # sha256, not hash(): fixed once and for all


def test_shards_are_a_stable_hash_in_one_to_count():
    # the same numbers on every machine, in every process, whatever else is built
    assert [cache.shard_of(f"case-{i:04d}", 3) for i in range(1, 9)] == SHARDS
    assert cache.shard_of("handbook:reader", 1) == 1
    found = {cache.shard_of(f"case-{i}", 4) for i in range(200)}
    assert found == {1, 2, 3, 4}


def test_the_manifest_knows_what_the_build_wrote_and_nothing_else(tmp_path):
    out, cache_dir = tmp_path / "build" / "briefs", tmp_path / "build" / cache.CACHE_DIR
    out.mkdir(parents=True)
    target = out / "alpha.pdf"
    target.write_bytes(b"%PDF one")
    manifest = cache.Manifest.load(out, cache_dir)
    assert manifest.records == {} and not manifest.fresh(target, "k1")
    manifest.record(target, "k1", pages=3)
    assert manifest.fresh(target, "k1")
    assert not manifest.fresh(target, "k2")  # another key
    assert manifest.get(target)["pages"] == 3
    cache_dir.mkdir()
    manifest.path.write_text(manifest.dumps())
    again = cache.Manifest.load(out, cache_dir)
    assert again.records == manifest.records and again.fresh(target, "k1")
    stat = target.stat()
    target.write_bytes(b"%PDF two")  # the same size, another file: its time tells
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert not again.fresh(target, "k1")
    target.write_bytes(b"%PDF longer")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same time, another size
    assert not again.fresh(target, "k1")
    target.unlink()
    assert not again.fresh(target, "k1")
    again.forget([target])
    assert again.records == {}


def test_a_manifest_of_another_format_or_unreadable_is_an_empty_one(tmp_path):
    out, cache_dir = tmp_path / "briefs", tmp_path / cache.CACHE_DIR
    cache_dir.mkdir()
    path = cache.Manifest.load(out, cache_dir).path
    for text in ('{"format": 1, "outputs": {"a.pdf": {"key": "k"}}}', "{not json", "[]"):
        path.write_text(text)
        assert cache.Manifest.load(out, cache_dir).records == {}, text


def test_a_moved_project_finds_its_manifest_and_its_files(tmp_path):
    root = tmp_path / "one"
    out = root / "build" / "briefs"
    out.mkdir(parents=True)
    (root / "cases").mkdir()
    (root / "cases" / "a.yaml").write_text("title: A\n")
    manifest = cache.Manifest.load(out, root / "build" / cache.CACHE_DIR)
    (out / "a.pdf").write_bytes(b"pdf")
    manifest.record(out / "a.pdf", "k", source=manifest.portable(str(root / "cases" / "a.yaml")))
    assert manifest.get(out / "a.pdf")["source"] == "../cases/a.yaml"
    manifest.path.parent.mkdir()
    manifest.path.write_text(manifest.dumps())
    moved = tmp_path / "two"
    shutil.copytree(root, moved, copy_function=shutil.copy2)
    found = cache.Manifest.load(moved / "build" / "briefs", moved / "build" / cache.CACHE_DIR)
    assert found.path.name == manifest.path.name
    assert found.fresh(moved / "build" / "briefs" / "a.pdf", "k")
    kept = found.get(moved / "build" / "briefs" / "a.pdf")["source"]
    assert Path(found.local(kept)).resolve() == (moved / "cases" / "a.yaml").resolve()
    assert found.local("stylesheets") == "stylesheets" == found.portable("stylesheets")


def test_the_manifest_is_one_output_per_line_and_reads_back(tmp_path):
    out = tmp_path / "briefs"
    out.mkdir()
    manifest = cache.Manifest(out, tmp_path / "m.json")
    for name in ("b.pdf", "a.pdf", 'é "quoted".pdf'):
        (out / name).write_bytes(b"x")
        manifest.record(out / name, f"key-{name}", title="Łódź")
    lines = manifest.dumps().splitlines()
    assert lines[:3] == ["{", '  "format": 3,', '  "outputs": {']
    assert [line.split(":", 1)[0] for line in lines[3:-2]] == [
        '    "a.pdf"', '    "b.pdf"', '    "é \\"quoted\\".pdf"',
    ]  # fmt: skip
    assert lines[-2:] == ["  }", "}"]
    assert "Łódź" in lines[3]
    assert json.loads(manifest.dumps())["outputs"] == manifest.records


def _metadata_sources(root: Path) -> dict[str, str]:
    """What the site's files made from cases' metadata (citations, catalogue.json) are made
    from: a build whose sources are unchanged reuses their content keys without rendering."""
    project = load_project(root)
    catalogue = load_cases(project)
    environment = cache.environment_digest(project, theme_for(project), {"document": "site"})
    from casepress.build.site import metadata_sources

    owns = {c.id: cache.case_digest(c) for c in catalogue.cases}
    return metadata_sources(environment, catalogue.cases, project, owns)


def test_citation_files_and_the_catalogue_are_made_from_their_cases_and_the_publisher(root):
    first = _metadata_sources(root)
    assert sorted(first) == ["cases/alpha.bib", "cases/alpha.csl.json", "cases/beta.bib",
                             "cases/beta.csl.json", "cases/gamma.bib", "cases/gamma.csl.json",
                             "catalogue.json"]  # fmt: skip
    assert len(set(first.values())) == len(first)
    assert _metadata_sources(root) == first
    case = root / "cases" / "beta.yaml"
    case.write_text(case.read_text().replace("Beta", "Beta revised", 1))
    edited = _metadata_sources(root)
    assert {p for p in first if first[p] != edited[p]} == {
        "cases/beta.bib", "cases/beta.csl.json", "catalogue.json"}  # fmt: skip
    config = root / "casepress.yaml"  # the publisher every citation names
    config.write_text(config.read_text().replace("Keys Institute", "Other Institute"))
    assert not set(edited.values()) & set(_metadata_sources(root).values())
