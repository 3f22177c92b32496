"""What a handbook's CSS asks of a split is read once per change of the CSS and kept in the
output's cache folder (``build/cssfacts.py``); the kept answer is the one reading gives."""

import json
from types import SimpleNamespace

import pytest

from casepress.build import cssfacts
from casepress.pdf import units

CSS = [
    "a.xref::after { content: target-counter(attr(href), page, lower-roman) }\n"
    ".running-footer { position: running(footer) }\n"
    "@media print { .total::before { content: counter(pages) } }\n"
    "@page { @bottom-center { content: element(footer) } }\n",
    "@page :left { margin-left: 3cm }\n",
]


@pytest.fixture
def readings(monkeypatch):
    """Every CSS reading made (the texts read)."""
    made = []
    real = cssfacts.css_facts
    monkeypatch.setattr(cssfacts, "css_facts", lambda texts: made.append(texts) or real(texts))
    return made


def store(tmp_path):
    return cssfacts.CssFactsStore(tmp_path, tmp_path)


def test_kept_facts_are_those_reading_gives_and_the_css_is_not_read_again(tmp_path, readings):
    first = store(tmp_path)
    read = first.facts(CSS)
    first.save()
    assert readings == [CSS]
    assert read == units.css_facts(CSS)
    assert read.unsupported({".total"}) == "counter(pages"  # the first in the sheets
    assert read.unsupported(set()) == "left and right pages"
    assert read.running == [".running-footer"] and read.styles == ["lower-roman"]
    again = store(tmp_path)
    assert again.facts(CSS) == read and again.parsed == 0 and readings == [CSS]


def test_changed_css_is_read_again_and_only_used_entries_are_kept(tmp_path, readings):
    first = store(tmp_path)
    first.facts(CSS)
    first.save()
    changed = [CSS[0]]  # the :left rule removed
    second = store(tmp_path)
    facts = second.facts(changed)
    second.save()
    assert readings == [CSS, changed] and facts.unsupported({".total"}) == "counter(pages"
    assert facts.unsupported(set()) is None  # that rule's class is not used
    kept = json.loads((tmp_path / cssfacts.FILE).read_text())["entries"]
    assert len(kept) == 1


def _rewrite(path, change):
    path.write_text(json.dumps(change(json.loads(path.read_text()))))


def _bad_findings(data):
    entries = {k: {**v, "findings": [["page", 3]]} for k, v in data["entries"].items()}
    return {**data, "entries": entries}


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_text("{not json"),
        lambda path: path.write_text(path.read_text()[:40]),
        lambda path: _rewrite(path, lambda data: {**data, "versions": ["casepress 0.0.1"]}),
        lambda path: _rewrite(path, _bad_findings),
    ],
    ids=["not JSON", "partial", "other versions", "wrong shape"],
)
def test_a_damaged_or_foreign_file_is_ignored_and_the_css_read_again(tmp_path, readings, damage):
    first = store(tmp_path)
    expected = first.facts(CSS)
    first.save()
    damage(tmp_path / cssfacts.FILE)
    again = store(tmp_path)
    assert again.facts(CSS) == expected and again.parsed == 1
    again.save()
    assert store(tmp_path).facts(CSS) == expected and len(readings) == 2


def test_why_not_split_gives_the_same_answer_from_kept_facts(tmp_path):
    html = ('<html><head><style>.chapter .running-footer { position: running(f) }</style>'
            '</head><body><div class="body-matter"><div class="chapter" id="c1">'
            '<p class="running-footer">x</p></div></div></body></html>')  # fmt: skip
    plan = SimpleNamespace(edition=SimpleNamespace(duplex=False))
    texts = units.handbook_css(html, [])
    kept = store(tmp_path).facts(texts)
    reason = units.why_not_split(plan, html, [])
    assert reason == "a part or chapter holds a running element (position: running)"
    assert units.why_not_split(plan, html, [], facts=kept, units=units.cut(html)) == reason
