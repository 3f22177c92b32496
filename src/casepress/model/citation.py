"""Citing a case: who wrote it, its DOI, and the forms a citation takes.

Authors are written as plain names (``- Ana María Pérez``) or as mappings with the parts a
citation needs (``- {given: Ana María, family: Pérez, orcid: 0000-0002-1825-0097}``).
A plain name is split into given and family names only when that is certain: two words
('Jane Smith'), or initials before one word ('J. R. Smith'); any other name ('Ana María
Pérez', 'Marie de la Tour', an organisation) is cited exactly as written (a CSL
``literal`` name, a braced BibTeX name), never guessed at.

The "Cite as" line follows one fixed pattern, shaped like Chicago author-date for a report
in a series (casepress does not run a CSL processor: see ``cite_line``)::

    Family, Given, and Given Family. Year. Title: Subtitle. Series, No. N. Publisher. https://doi.org/10.xxxx/yyyy.

CSL-JSON (``csl_item``) and BibTeX (``bibtex_entry``) carry the same facts for reference
managers (Zotero, Mendeley, EndNote, Pandoc, LaTeX), which apply any style to them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from .schema import INVALID, Context, Month, Text, Type, declare, object_of, to_model
from .source import Node

ORCID_PATTERN = re.compile(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]")
DOI_PATTERN = re.compile(r"10\.\d{4,9}/\S+")
DOI_RESOLVER = "https://doi.org/"
ORCID_RESOLVER = "https://orcid.org/"
DRAFT = "draft"
PUBLISHED = "published"
STATUSES = (PUBLISHED, DRAFT)


def checked_orcid(text: str) -> str:
    """An ORCID iD as 0000-0002-1825-0097 (a https://orcid.org/ address is accepted), its
    check digit verified (ISO 7064 MOD 11-2); ValueError with what to do otherwise."""
    plain = re.sub(r"^(?:https?://)?(?:www\.)?orcid\.org/", "", text.strip(), flags=re.I).upper()
    if not ORCID_PATTERN.fullmatch(plain):
        raise ValueError(
            f"expected an ORCID iD such as 0000-0002-1825-0097 (four groups of four digits, "
            f"the last may end in X), got {text!r}; copy it from the person's ORCID record"
        )
    digits = plain.replace("-", "")
    total = 0
    for digit in digits[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    if digits[-1] != expected:
        raise ValueError(
            f"{plain!r} is not a valid ORCID iD: its last character should be {expected!r} "
            "(a digit was mistyped or swapped); copy the iD from the person's ORCID record"
        )
    return plain


def checked_doi(text: str) -> str:
    """A DOI as 10.1234/abc (a https://doi.org/ address or 'doi:' is accepted and
    dropped); ValueError with what to do otherwise."""
    plain = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", text.strip(), flags=re.I)
    if not DOI_PATTERN.fullmatch(plain):
        raise ValueError(
            f"expected a DOI such as 10.1234/ssr.2024.12 (or https://doi.org/10.1234/"
            f"ssr.2024.12), got {text!r}; copy it from the DOI registration, or leave doi: out"
        )
    return plain


def doi_url(doi: str | None) -> str | None:
    return f"{DOI_RESOLVER}{doi}" if doi else None


@dataclass(frozen=True, kw_only=True)
class Person:
    """An author named in parts; printed (``str``) as 'Given Family'."""

    given: str | None = declare(Text("Given name(s), e.g. 'Ana María'"))
    family: str = declare(Text("Family name, as it is sorted and cited: 'Pérez'"), required=True)
    affiliation: str | None = declare(Text("Where the author works, e.g. 'DCAF'"))
    orcid: str | None = declare(Text("ORCID iD, e.g. 0000-0002-1825-0097", convert=checked_orcid))

    def __str__(self) -> str:
        return f"{self.given} {self.family}" if self.given else self.family

    @property
    def orcid_url(self) -> str | None:
        return f"{ORCID_RESOLVER}{self.orcid}" if self.orcid else None


PERSON = object_of(Person, "An author, with given and family names, affiliation and ORCID iD")
PERSON.hints = {
    **dict.fromkeys(("first", "first_name", "firstname", "forename"), "write it as given:"),
    **dict.fromkeys(("last", "last_name", "lastname", "surname"), "write it as family:"),
    "name": "write the whole name as plain text (- Ana María Pérez), or as given: and family:",
    "orcid_id": "write it as orcid:",
    "institution": "write it as affiliation:",
}
"""What people write for a name's parts, and what to write instead."""


class Author(Type):
    """An author: a name as written ('Ana María Pérez', 'DCAF'), kept as text, or a
    mapping of its parts (``Person``)."""

    description = "An author: a name as written, or {given, family, affiliation, orcid}"
    mapping = PERSON
    """The parts of a name written as a mapping (the YAML writer keeps their order)."""

    def check(self, node: Node, ctx: Context, path: str) -> Any:
        if node.kind == "map":
            values = PERSON.check(node, ctx, path)
            return INVALID if values is INVALID else to_model(PERSON, values)
        if node.kind != "scalar":
            return ctx.error(
                node, path, f"expected a name or {{given, family}}, got {node.describe()}"
            )
        return Text().check(node, ctx, path)

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [{"type": "string"}, PERSON.json_schema()]}


# Names -------------------------------------------------------------------------------

_INITIALS = re.compile(r"(?:[^\W\d_]\.)(?:-?[^\W\d_]\.)*")
_CAPITALISED = re.compile(r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*")


def name_parts(author: str | Person) -> tuple[str | None, str | None]:
    """(given, family) of an author, or (None, None) when a plain name cannot be split for
    certain (it is then cited as written): see the module's note."""
    if isinstance(author, Person):
        return author.given, author.family
    words = author.split()
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return None, None
    *given, family = words
    if not _CAPITALISED.fullmatch(family) or "." in family:
        return None, None
    if len(given) == 1 and (_CAPITALISED.fullmatch(given[0]) or _INITIALS.fullmatch(given[0])):
        return given[0], family
    if all(_INITIALS.fullmatch(w) for w in given):
        return " ".join(given), family
    return None, None


def csl_name(author: str | Person) -> dict[str, str]:
    given, family = name_parts(author)
    if family is None:
        return {"literal": str(author)}
    return {"family": family, **({"given": given} if given else {})}


def _date_parts(value: Any) -> list[int] | None:
    if value is None:
        return None
    if isinstance(value, Month):
        return [value.year, value.month]
    return [value.year, value.month, value.day]


# CSL-JSON ----------------------------------------------------------------------------


def csl_item(case: Any, *, publisher: str | None = None, url: str | None = None) -> dict[str, Any]:
    """The case as one CSL-JSON item (a ``report``: a case study in a series), the format
    Zotero, Pandoc and citeproc read; keys in a fixed order, empty ones left out."""
    title = f"{case.title}: {case.subtitle}" if case.subtitle else case.title
    item: dict[str, Any] = {
        "id": case.id,
        "type": "report",
        "title": title,
        "author": [csl_name(a) for a in case.authors] or None,
        "issued": {"date-parts": [_date_parts(case.published)]} if case.published else None,
        "publisher": publisher,
        "collection-title": case.series,
        "collection-number": case.number,
        "status": case.status if case.status == DRAFT else None,
        "DOI": case.doi,
        "URL": doi_url(case.doi) or url,
        "language": case.language,
        "abstract": case.summary,
        "keyword": ", ".join(case.tags) or None,
    }
    return {key: value for key, value in item.items() if value not in (None, "", [])}


# BibTeX ------------------------------------------------------------------------------

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
    "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "\u00a0": "~", "\u2013": "--", "\u2014": "---", "\u2018": "`", "\u2019": "'",
    "\u201c": "``", "\u201d": "''", "«": r"\guillemotleft{}", "»": r"\guillemotright{}",
    "ß": r"{\ss}", "æ": r"{\ae}", "Æ": r"{\AE}", "œ": r"{\oe}", "Œ": r"{\OE}", "ø": r"{\o}",
    "Ø": r"{\O}", "ł": r"{\l}", "Ł": r"{\L}", "ı": r"{\i}", "…": r"\ldots{}",
}  # fmt: skip
_ACCENTS = {
    "\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0304": "=",
    "\u0307": ".", "\u0327": "c", "\u030c": "v", "\u0306": "u", "\u030a": "r", "\u030b": "H",
    "\u0328": "k",
}  # fmt: skip


def bibtex_text(text: str) -> str:
    """Text for a BibTeX field that classic BibTeX and biber both read: LaTeX's special
    characters escaped, accented Latin letters as accent commands ('é' → {\\'e}), typographic
    quotes and dashes as LaTeX writes them; other scripts stay as UTF-8 (the file's encoding)."""
    out = []
    for char in text:
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
            continue
        if ord(char) < 128:
            out.append(char)
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        if marks and len(marks) == 1 and marks[0] in _ACCENTS and ord(base) < 128:
            command = _ACCENTS[marks[0]]
            base = r"\i" if base == "i" and command in "'`^\"~=.uv" else base
            braced = f"{{{base}}}" if command.isalpha() else base  # {\c{c}}, {\'e}
            out.append(f"{{\\{command}{braced}}}")
        else:
            out.append(char)
    return "".join(out)


def _bibtex_name(author: str | Person) -> str:
    given, family = name_parts(author)
    if family is None:  # cited as written: braces keep BibTeX from splitting it
        return "{" + bibtex_text(str(author)) + "}"
    family_text = bibtex_text(family)
    if " " in family:
        family_text = "{" + family_text + "}"
    return f"{family_text}, {bibtex_text(given)}" if given else family_text


def bibtex_entry(case: Any, *, publisher: str | None = None, url: str | None = None) -> str:
    """The case as one BibTeX ``@techreport`` entry keyed by its id (biblatex reads it as
    a ``report``)."""
    title = f"{case.title}: {case.subtitle}" if case.subtitle else case.title
    published = case.published
    fields: list[tuple[str, str | None]] = [
        ("author", " and ".join(_bibtex_name(a) for a in case.authors) or None),
        ("title", "{" + bibtex_text(title) + "}"),  # inner braces: styles keep its capitals
        ("year", str(published.year) if published else None),
        ("month", str(published.month) if published else None),
        ("institution", bibtex_text(publisher) if publisher else None),
        ("series", bibtex_text(case.series) if case.series else None),
        ("number", bibtex_text(case.number) if case.number else None),
        ("doi", case.doi),  # a verbatim field: written as it is
        ("url", doi_url(case.doi) or url),
        ("language", case.language),
        ("abstract", bibtex_text(case.summary) if case.summary else None),
        ("keywords", bibtex_text(", ".join(case.tags)) if case.tags else None),
        ("pubstate", "draft" if case.status == DRAFT else None),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    return f"@techreport{{{case.id},\n{body}\n}}\n"


# The "Cite as" line ------------------------------------------------------------------


def _cited_names(authors: Iterable[str | Person], conjunction: str) -> str:
    """Chicago's order: the first author family name first, the others as written."""
    names = []
    for index, author in enumerate(authors):
        given, family = name_parts(author)
        if index == 0 and family is not None and given:
            names.append(f"{family}, {given}")
        else:
            names.append(str(author))
    if len(names) <= 1:
        return "".join(names)
    if len(names) == 2:
        return f"{names[0]}, {conjunction} {names[1]}"
    return f"{', '.join(names[:-1])}, {conjunction} {names[-1]}"


def _period(text: str) -> str:
    """Text ending a sentence of the citation: a full stop unless it ends in one already."""
    return text if text.endswith((".", "?", "!", "…")) else f"{text}."


def cite_line(case: Any, labels: Mapping[str, str], *, publisher: str | None = None) -> Markup:
    """The "Cite as" line (HTML, escaped): a fixed, documented pattern shaped like Chicago
    author-date for a report in a series (see the module's note). No authors: the
    publisher takes their place, and is not repeated."""
    parts: list[Markup] = []
    names = _cited_names(case.authors, labels.get("and", "and"))
    lead = names or publisher
    if lead:
        parts.append(escape(_period(lead)))
    year = str(case.published.year) if case.published else labels.get("no_date", "n.d.")
    parts.append(escape(_period(year)))
    title = f"{case.title}: {case.subtitle}" if case.subtitle else case.title
    cited = _period(title)
    parts.append(Markup("<cite>{}</cite>{}").format(cited[:-1], cited[-1]))
    if case.status == DRAFT:
        parts.append(escape(f"{labels.get('draft', 'Draft')}."))
    if case.series:
        series = case.series
        if case.number:
            series = f"{series}, {labels.get('number_short', 'No.')} {case.number}"
        parts.append(escape(_period(series)))
    if publisher and names:
        parts.append(escape(_period(publisher)))
    link = doi_url(case.doi)
    if link:
        parts.append(Markup('<a href="{0}">{0}</a>.').format(link))
    return Markup(" ").join(parts)


def cite_view(case: Any, labels: Mapping[str, str], *, publisher: str | None) -> dict[str, Any]:
    """What templates get as ``case.citation``: the line, the DOI's address, the series as
    printed ('SSR Case Studies, No. 12'), whether the case is a draft, and its authors with
    their parts (``given``, ``family``, ``affiliation``, ``orcid_url``)."""
    series = case.series
    if series and case.number:
        series = f"{series}, {labels.get('number_short', 'No.')} {case.number}"
    return {
        "line": cite_line(case, labels, publisher=publisher),
        "doi_url": doi_url(case.doi),
        "series": series,
        "draft": case.status == DRAFT,
        "authors": [
            {
                "name": str(a),
                "affiliation": getattr(a, "affiliation", None),
                "orcid_url": getattr(a, "orcid_url", None),
            }
            for a in case.authors
        ],
    }
