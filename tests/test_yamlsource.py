"""YAML is read as the author wrote it, with positions, and nothing dangerous gets through."""

import time
from pathlib import Path

import pytest
import yaml

from casepress.model import source as yamlsource
from casepress.model.source import parse_yaml, read_yaml


def scalars(text: str) -> dict[str, str | None]:
    document = parse_yaml(text, Path("x.yaml"))
    assert not document.problems, document.problems
    return {key.text: value.text for key, value in document.root.entries}


def messages(text: str) -> list[str]:
    return [str(p) for p in parse_yaml(text, Path("x.yaml")).problems]


def test_yaml_11_booleans_numbers_and_dates_stay_as_written():
    values = scalars("a: NO\nb: ON\nc: yes\nd: 01234\ne: 1.10\nf: 2024-02-30\ng: ~\nh: ''\n")
    assert values == {
        "a": "NO", "b": "ON", "c": "yes", "d": "01234", "e": "1.10",
        "f": "2024-02-30", "g": None, "h": "",
    }  # fmt: skip


def test_positions_are_one_based_line_and_column():
    document = parse_yaml("title: x\nlessons:\n  - text: y\n", Path("x.yaml"))
    lessons = document.root.entries[1][1]
    item = lessons.items[0]
    assert (item.line, item.column) == (3, 5)


def test_duplicate_key_is_an_error_at_the_second_key():
    assert messages("title: a\ncontext: b\ntitle: c\n") == [
        "x.yaml:3:1: duplicate key 'title' (first given on line 1)"
    ]


def test_aliases_are_refused_so_an_alias_bomb_fails_fast():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(9)
    )
    started = time.process_time()
    found = messages(bomb)
    assert time.process_time() - started < 2
    # each alias where it is written (the first few), then a count: not 27 lines of the same
    assert found == [
        "x.yaml:2:8: YAML anchors and aliases (&name / *name) are not supported",
        "x.yaml:2:12: YAML anchors and aliases (&name / *name) are not supported",
        "x.yaml:2:16: YAML anchors and aliases (&name / *name) are not supported",
        "x.yaml:3:8: YAML anchors and aliases (&name / *name) are not supported",
        "x.yaml:3:12: YAML anchors and aliases (&name / *name) are not supported",
        "x.yaml: 22 more YAML aliases not listed; remove them all",
    ]


def test_a_large_alias_bomb_fails_fast_too():
    lines = ["l0: &l0 [" + ", ".join(["lol"] * 10) + "]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 30)]
    started = time.process_time()
    found = messages("\n".join(lines) + "\n")
    assert time.process_time() - started < 2  # 10^30 strings if expanded
    assert found[-1] == "x.yaml: 285 more YAML aliases not listed; remove them all"


def test_merge_keys_are_refused_once():
    assert messages("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n") == [
        "x.yaml:3:3: YAML merge keys (<<) are not supported"
    ]


def test_python_tags_are_refused():
    assert messages("title: !!python/object/apply:os.system ['true']\n") == [
        "x.yaml:1:8: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed; remove it"
    ]


def test_invalid_yaml_reports_its_position():
    (message,) = messages("title: a\n  bad: indentation\n")
    # said in plain words at the misplaced field (PyYAML: "mapping values are not allowed")
    assert message == (
        "x.yaml:2:1: bad: this field is indented 2 spaces, more than title: on line 1; "
        "start it at the beginning of the line like title:"
    )


def test_control_characters_are_positioned_errors():
    assert messages("title: a\u0007b\n") == [
        "x.yaml:1:9: control character U+0007 is not allowed in a case file"
    ]


@pytest.mark.parametrize(
    ("char", "message"),
    [
        ("\x00", "control character U+0000 is not allowed in a case file"),
        ("\x1b", "control character U+001B is not allowed in a case file"),
        ("\x85", "control character U+0085 is not allowed in a case file"),  # YAML 1.1 NEL
        ("\x9f", "control character U+009F is not allowed in a case file"),
        ("\ud800", "lone surrogate U+D800 is not valid Unicode; re-save the file as UTF-8"),
        ("\udfff", "lone surrogate U+DFFF is not valid Unicode; re-save the file as UTF-8"),
        ("\ufffe", "U+FFFE is not a character; remove it"),
        ("\u2028", "Unicode line separator U+2028 is not allowed; use an ordinary line break"),
    ],
)
def test_characters_yaml_cannot_take_are_positioned_errors(char, message):
    assert messages(f"title: ok\ncontext: ab{char}c\n") == [f"x.yaml:2:12: {message}"]


def test_tabs_line_breaks_and_other_scripts_are_fine():
    assert scalars("title: 'a\tb'\r\ncontext: \u4e2d\u6587 \U0001f600\n") == {
        "title": "a\tb",
        "context": "\u4e2d\u6587 \U0001f600",
    }


def test_surrogates_encoded_in_the_file_are_invalid_utf8(tmp_path):
    path = tmp_path / "surrogate.yaml"
    path.write_bytes(b"title: ok\ncontext: a\xed\xa0\x80b\n")  # U+D800 as (invalid) UTF-8
    (problem,) = read_yaml(path, roots=None).problems
    assert (problem.line, problem.column) == (2, 11)
    assert problem.message.startswith("not valid UTF-8 (byte 0xed)")


def test_invalid_utf8_is_a_positioned_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: ok\ncontext: caf\xe9\n".encode("latin-1"))
    (problem,) = read_yaml(path, roots=None).problems
    assert (problem.line, problem.column) == (2, 13)
    assert "not valid UTF-8" in problem.message


def test_oversized_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("context: " + "x" * 2_000_000)
    (problem,) = read_yaml(path, roots=None).problems
    assert "more than the limit" in problem.message


def test_python_tags_on_collections_and_local_tags_are_refused():
    found = messages(
        "a: !!python/object:os.system {x: 1}\nb: !custom [1]\nc: !!python/name:os.system\n"
    )
    assert found == [
        "x.yaml:1:4: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed; remove it",
        "x.yaml:2:4: YAML tag '!custom' is not allowed; remove it",
        "x.yaml:3:4: YAML tag 'tag:yaml.org,2002:python/name:os.system' is not allowed; remove it",
    ]


@pytest.mark.parametrize(
    "loader",
    ["CSafeLoader", pytest.param("SafeLoader", marks=pytest.mark.slow)],  # pure Python: ~2 s
)
def test_deep_nesting_is_a_positioned_error_not_a_crash(loader, monkeypatch):
    if not hasattr(yaml, loader):
        pytest.skip("PyYAML was built without libyaml")
    monkeypatch.setattr(yamlsource, "_Loader", getattr(yaml, loader))
    (message,) = messages("a: " + "[" * 100_000)
    if loader == "CSafeLoader":  # libyaml stops at 1,000 levels, where it stands
        assert message == (
            "x.yaml:1:1003: invalid YAML: exceeded maximum nesting depth "
            "(while increasing flow level)"
        )
    else:  # pure-Python PyYAML would hit Python's recursion limit: caught, not positioned
        assert message == "x.yaml: invalid YAML: nested too deeply"
