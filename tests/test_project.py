"""casepress.yaml: the safety settings, their defaults, and clear errors for bad values."""

import pytest

from casepress import InputError, load_project
from casepress.model.project import DEFAULT_MAX_ELEMENTS, DEFAULT_MAX_IMAGE_PIXELS, project_schema


def write_config(folder, text):
    (folder / "casepress.yaml").write_text(text, encoding="utf-8")
    return folder


def test_safe_defaults_without_a_config_file(tmp_path):
    project = load_project(tmp_path)
    assert project.allow_network is False
    assert project.trust_html is False
    assert project.max_image_pixels == DEFAULT_MAX_IMAGE_PIXELS == 40_000_000
    assert project.max_elements == DEFAULT_MAX_ELEMENTS


def test_safe_defaults_when_the_config_leaves_them_out(tmp_path):
    project = load_project(write_config(tmp_path, "title: Library\n"))
    assert (project.allow_network, project.trust_html) == (False, False)
    assert project.max_image_pixels == DEFAULT_MAX_IMAGE_PIXELS


def test_settings_are_read(tmp_path):
    text = "allow_network: true\ntrust_html: true\nmax_image_pixels: 1_000_000\nmax_elements: 500\n"
    project = load_project(write_config(tmp_path, text))
    assert project.allow_network is True
    assert project.trust_html is True
    assert project.max_image_pixels == 1_000_000
    assert project.max_elements == 500


def test_bad_values_are_positioned_errors(tmp_path):
    text = "allow_network: yes\ntrust_html: 1\nmax_image_pixels: 0\nmax_elements: lots\n"
    with pytest.raises(InputError) as caught:
        load_project(write_config(tmp_path, text))
    assert [f"{p.line}:{p.column} {p.field}: {p.message}" for p in caught.value.problems] == [
        "1:16 allow_network: expected true or false, got 'yes'",
        "2:13 trust_html: expected true or false, got '1'",
        "3:19 max_image_pixels: expected a number between 1 and 89,000,000, got 0",
        "4:15 max_elements: expected a whole number, got 'lots'",
    ]


def test_the_settings_are_in_the_config_schema():
    properties = project_schema()["properties"]
    assert "boolean" in properties["allow_network"]["type"]  # or null: an empty line
    assert "boolean" in properties["trust_html"]["type"]
    assert properties["max_image_pixels"] == {
        "description": "Largest image (width x height) a brief may embed",
        "type": ["integer", "null"],
        "minimum": 1,
        "maximum": 89_000_000,
    }
