"""The JSON Schema comes from the same definition as the validator, so they agree."""

import jsonschema
import yaml

from casepress.model.cases import case_schema
from conftest import ROOT


def test_sample_cases_are_valid_against_the_schema():
    schema = case_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    cases = sorted((ROOT / "cases").glob("*.yaml"))
    assert len(cases) == 4
    for path in cases:
        jsonschema.validate(yaml.safe_load(path.read_text("utf-8")), schema)


def test_the_schema_rejects_what_the_validator_rejects():
    validator = jsonschema.Draft202012Validator(case_schema())
    broken = {"title": "x", "entry-point": "y", "lessons": [{"title": "no text"}], "year": 1}
    messages = {e.message for e in validator.iter_errors(broken)}
    assert "'context' is a required property" in messages
    assert "'text' is a required property" in messages
    assert any("'entry-point', 'year' were unexpected" in m for m in messages)


def test_theme_files_are_valid_against_the_theme_schema():
    from casepress.theme.chain import theme_schema

    schema = theme_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for path in [ROOT / "themes" / "azimut" / "theme.yaml"]:
        jsonschema.validate(yaml.safe_load(path.read_text("utf-8")), schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert any("'colour' was unexpected" in e.message for e in validator.iter_errors(
        {"name": "x", "colour": {}}
    ))  # fmt: skip
