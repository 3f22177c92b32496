"""YAML is read as the author wrote it, with positions, and nothing dangerous gets through."""

from pathlib import Path

from casepress.yamlsource import parse_yaml, read_yaml


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
    found = messages(bomb)
    assert found and all("anchors and aliases" in m for m in found)


def test_python_tags_are_refused():
    assert messages("title: !!python/object/apply:os.system ['true']\n") == [
        "x.yaml:1:8: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed; remove it"
    ]


def test_invalid_yaml_reports_its_position():
    (message,) = messages("title: a\n  bad: indentation\n")
    # libyaml says "in this context", pure-Python PyYAML "here": the position is what matters
    assert message.startswith("x.yaml:2:6: invalid YAML: mapping values are not allowed")


def test_control_characters_are_positioned_errors():
    assert messages("title: a\u0007b\n") == [
        "x.yaml:1:9: control character U+0007 is not allowed in a case file"
    ]


def test_invalid_utf8_is_a_positioned_error(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: ok\ncontext: caf\xe9\n".encode("latin-1"))
    (problem,) = read_yaml(path).problems
    assert (problem.line, problem.column) == (2, 13)
    assert "not valid UTF-8" in problem.message


def test_oversized_file_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("context: " + "x" * 2_000_000)
    (problem,) = read_yaml(path).problems
    assert "more than the limit" in problem.message
