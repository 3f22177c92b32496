"""One embedded program per font face in a merged PDF.

Each chapter of a split handbook is its own WeasyPrint document, which embeds its own subset
of every font it uses: merged, a 60-case handbook carried 205 font programs for 4 faces, all
the subsets of a face under one tag (WeasyPrint derives the tag from the font's description,
not from its glyphs). WeasyPrint subsets with retained glyph ids (HarfBuzz
``RETAIN_GIDS``, fontTools ``retain_gids``), so every content stream shows glyphs by the
original font's ids, and one program holding the union of the subsets' glyphs serves every
chapter. ``merge_fonts`` builds it from the subsets themselves (fontTools), which needs no
search for the original font file (theme folder, built-in styles, system fonts through
fontconfig, a variable font instanced by WeasyPrint) and embeds exactly the glyphs the book
shows: per glyph id, the outline of the first subset that holds one.

Then one Type0 font per face replaces the chapters' ones: widths (/W) and ToUnicode are the
union of theirs (the first mapping of a glyph id wins), the subset tag is derived from the
merged program (ISO 32000-2 §9.9.2: different subsets, different tags), and every resource
dictionary (pages, form XObjects, annotation appearances, patterns, Type 3 fonts) points to
it under the name it had, so no content stream changes. The old objects are left
unreferenced and are not written. Faces whose subsets disagree on a glyph (two different
font files under one name) or that this module does not know how to merge (CID-keyed CFF,
simple fonts, bitmap Type 3) are left as they were.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from dataclasses import dataclass, field

TAG = re.compile(r"^[A-Z]{6}\+")


@dataclass
class _Face:
    """The Type0 fonts of one face (name without tag, program kind), in order of first use."""

    name: str
    kind: str  # "/FontFile2" (TrueType) or "/FontFile3" (OpenType CFF)
    fonts: list = field(default_factory=list)


def merge_fonts(pdf) -> int:
    """Give every face of ``pdf`` (a ``pikepdf.Pdf``, changed in place) one Type0 font and
    one embedded program. Returns the number of font dictionaries replaced."""
    faces: dict[tuple[str, str], _Face] = {}
    for font in used_fonts(pdf):
        face = _face_of(font)
        if face is not None:
            faces.setdefault(face, _Face(*face)).fonts.append(font)
    replaced = {}
    for face in faces.values():
        programs = {_program(font).objgen for font in face.fonts}
        if len(face.fonts) < 2 or len(programs) < 2:
            continue
        merged = _merge_face(pdf, face)
        if merged is not None:
            replaced.update((font.objgen, merged) for font in face.fonts)
    if replaced:
        for resources in resource_dicts(pdf):
            fonts = resources.get("/Font")
            if fonts is None:
                continue
            for key in list(fonts.keys()):
                font = fonts[key]
                if font.is_indirect and font.objgen in replaced:
                    fonts[key] = replaced[font.objgen]
    return len(replaced)


# Finding the fonts ----------------------------------------------------------------------


def resource_dicts(pdf):
    """Every resource dictionary a page draws with, once: the pages', their annotations'
    appearance streams', and those of the form XObjects, patterns and Type 3 fonts they
    use, at any depth."""
    import pikepdf

    seen: set = set()
    pending = []
    for page in pdf.pages:
        pending.append(page.obj.get("/Resources"))
        for annotation in page.obj.get("/Annots", []):
            for appearance in (annotation.get("/AP") or {}).values():
                if isinstance(appearance, pikepdf.Stream):
                    pending.append(appearance.get("/Resources"))
                elif isinstance(appearance, pikepdf.Dictionary):
                    pending += [s.get("/Resources") for s in appearance.values()
                                if isinstance(s, pikepdf.Stream)]  # fmt: skip
    while pending:
        resources = pending.pop(0)
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        key = resources.objgen if resources.is_indirect else id(resources)
        if key in seen:
            continue
        seen.add(key)
        yield resources
        for kind in ("/XObject", "/Pattern", "/Font"):
            for item in (resources.get(kind) or {}).values():
                if isinstance(item, pikepdf.Dictionary | pikepdf.Stream) and "/Resources" in item:
                    pending.append(item.Resources)


def used_fonts(pdf) -> list:
    """The font dictionaries the pages use, once each, in order of first use."""
    found: dict = {}
    for resources in resource_dicts(pdf):
        for font in (resources.get("/Font") or {}).values():
            found.setdefault(font.objgen if font.is_indirect else id(font), font)
    return list(found.values())


def program_of(font):
    """The embedded program (FontFile, FontFile2 or FontFile3 stream) of a font, or None."""
    descriptor = font.get("/FontDescriptor")
    if "/DescendantFonts" in font:
        descriptor = font.DescendantFonts[0].get("/FontDescriptor")
    if descriptor is None:
        return None
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        if key in descriptor:
            return descriptor[key]
    return None


def face_name(font) -> str:
    """A font's name without its subset tag."""
    return TAG.sub("", str(font.get("/BaseFont", "/?"))[1:])


def _mappable(mapping) -> bool:
    """Identity, or a stream: identity but for the codes ``hyphens`` gave line-break
    hyphens (past the font's glyphs, mapped to the hyphen's glyph)."""
    import pikepdf

    return mapping == "/Identity" or isinstance(mapping, pikepdf.Stream)


def _extra_codes(font) -> dict[int, int]:
    """The codes of ``font`` its CIDToGIDMap sends to another glyph than their own."""
    import pikepdf

    mapping = font.DescendantFonts[0].get("/CIDToGIDMap")
    if not isinstance(mapping, pikepdf.Stream):
        return {}
    table = mapping.read_bytes()
    gids = struct.unpack(f">{len(table) // 2}H", table[: len(table) // 2 * 2])
    return {cid: gid for cid, gid in enumerate(gids) if gid != cid and gid}


def _face_of(font) -> tuple[str, str] | None:
    """(name, program kind) of a Type0 font this module can merge, else None: Identity-H
    encoding, one CID font with identity CID → glyph id (or a map that is identity but
    for line-break hyphens' codes), a TrueType or OpenType program."""
    import pikepdf

    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        return None
    if not font.is_indirect or len(font.get("/DescendantFonts", [])) != 1:
        return None
    cid = font.DescendantFonts[0]
    descriptor = cid.get("/FontDescriptor")
    if descriptor is None or not _mappable(cid.get("/CIDToGIDMap", pikepdf.Name.Identity)):
        return None
    if cid.get("/Subtype") == "/CIDFontType2" and "/FontFile2" in descriptor:
        return face_name(font), "/FontFile2"
    program = descriptor.get("/FontFile3")
    if cid.get("/Subtype") == "/CIDFontType0" and getattr(program, "Subtype", None) == "/OpenType":
        return face_name(font), "/FontFile3"
    return None


def _program(font):
    return program_of(font)


# Merging --------------------------------------------------------------------------------


def _merge_face(pdf, face: _Face):
    """The one Type0 font standing for all of ``face.fonts``, or None if they cannot be
    merged (left as they are)."""
    programs: dict = {}
    used: dict = {}  # program → the glyph ids its fonts show (their /W)
    try:
        each = [_read_widths(font.DescendantFonts[0].get("/W")) for font in face.fonts]
        extra: dict[int, int] = {}  # line-break hyphens' codes → their glyph, in all fonts
        for font, widths in zip(face.fonts, each, strict=True):
            codes = _extra_codes(font)
            if any(extra.get(code, glyph) != glyph for code, glyph in codes.items()):
                raise _MergeError  # one code for two glyphs: keep them apart
            extra.update(codes)
            programs.setdefault(_program(font).objgen, _program(font))
            used.setdefault(_program(font).objgen, set()).update(set(widths) - set(codes))
        widths = _union(each)
        text = _union(_read_to_unicode(font.get("/ToUnicode")) for font in face.fonts)
        data = _merge_programs(
            [stream.read_bytes() for stream in programs.values()], list(used.values()), text
        )
    except _MergeError:
        return None
    glyphs = set(widths) - set(extra)
    return _font_objects(pdf, face, data, widths, text, (extra, glyphs) if extra else None)


class _MergeError(Exception):
    """These fonts cannot be merged: they are left as they are."""


def _merge_programs(datas: list[bytes], used: list[set], text: dict) -> bytes:
    """One program with every glyph any of ``datas`` (subsets of one font, glyph ids
    retained) has: per glyph id, the outline of the first that has one, and the metrics of
    the first that shows it (``used``: a subset's dropped glyphs have no width, and a
    space has no outline).

    The subsets are read raw (their table directory, ``loca``/``glyf``, ``hmtx``): only the
    base, the subset with the most glyph ids (WeasyPrint drops the empty ids after the last
    one used), is opened with fontTools, which receives the others' glyphs and writes the
    program. Reading every subset with fontTools took 25 ms each.
    """
    from fontTools.ttLib import TTFont

    subsets = [_Sfnt(data) for data in datas]
    units = {s.units_per_em for s in subsets}
    kinds = {s.kind for s in subsets}
    if len(units) != 1 or len(kinds) != 1 or None in kinds:
        raise _MergeError
    base_index = max(range(len(subsets)), key=lambda i: (subsets[i].glyphs, -i))
    try:
        # Glyphs are written as they are read (no re-encoding: a merged program merges
        # again, byte for byte, with a later group's subsets); the bounds and maxima that
        # fontTools would recalculate from the outlines are the subsets' union instead.
        base = TTFont(io.BytesIO(datas[base_index]), recalcBBoxes=False, recalcTimestamp=False)
        order = base.getGlyphOrder()
        if len(order) != subsets[base_index].glyphs:
            raise _MergeError
        if kinds == {"glyf"}:
            _merge_glyf(base, order, subsets, base_index, used)
        else:
            _merge_cff(base, order, datas, base_index, used)
        _extend_cmaps(base, order, text)
        _union_bounds(base, subsets)
        out = io.BytesIO()
        base.save(out)
    except _MergeError:
        raise
    except Exception as exc:  # fontTools could not read or write it: keep the subsets
        raise _MergeError from exc
    return out.getvalue()


class _Sfnt:
    """The tables of an OpenType font read straight from its bytes."""

    def __init__(self, data: bytes):
        try:
            count = struct.unpack_from(">H", data, 4)[0]
            self.tables = {}
            for i in range(count):
                tag, _checksum, offset, length = struct.unpack_from(">4sIII", data, 12 + 16 * i)
                self.tables[tag.decode("latin-1")] = data[offset : offset + length]
            self.units_per_em = struct.unpack_from(">H", self.tables["head"], 18)[0]
            self.glyphs = struct.unpack_from(">H", self.tables["maxp"], 4)[0]
        except (struct.error, KeyError, UnicodeDecodeError) as exc:
            raise _MergeError from exc
        self.kind = "glyf" if "glyf" in self.tables else "cff" if "CFF " in self.tables else None

    def glyph(self, gid: int) -> bytes:
        """The raw outline of a glyph (b"" for none), with its padding."""
        loca = self._offsets()
        return self.tables["glyf"][loca[gid] : loca[gid + 1]]

    def outlines(self):
        """(glyph id, raw outline with its padding) of every glyph that has one: a subset
        keeps the ids of the glyphs it drops, empty, so most ids of a chapter's are."""
        loca, glyf = self._offsets(), self.tables["glyf"]
        for gid, (start, end) in enumerate(zip(loca, loca[1:], strict=False)):
            if end > start:
                yield gid, glyf[start:end]

    def _offsets(self):
        if not hasattr(self, "_loca"):
            loca, long = self.tables["loca"], struct.unpack_from(">h", self.tables["head"], 50)[0]
            count = self.glyphs + 1
            if long:
                self._loca = struct.unpack_from(f">{count}I", loca)
            else:
                self._loca = [2 * o for o in struct.unpack_from(f">{count}H", loca)]
        return self._loca

    def metrics(self, gid: int) -> tuple[int, int]:
        """(advance width, left side bearing) of a glyph from ``hmtx``."""
        hmetrics = struct.unpack_from(">H", self.tables["hhea"], 34)[0]
        hmtx = self.tables["hmtx"]
        if gid < hmetrics:
            return struct.unpack_from(">Hh", hmtx, 4 * gid)
        advance = struct.unpack_from(">H", hmtx, 4 * (hmetrics - 1))[0]
        return advance, struct.unpack_from(">h", hmtx, 4 * hmetrics + 2 * (gid - hmetrics))[0]


def _merge_glyf(base, order, subsets, base_index, used) -> None:
    """TrueType outlines: the raw data of each glyph (composites name their components by
    glyph id, the same in every subset)."""
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    try:
        chosen: dict = {}
        for index, subset in enumerate(subsets):
            for gid, data in subset.outlines():
                if gid in chosen:
                    if chosen[gid][1].rstrip(b"\0") != data.rstrip(b"\0"):  # but padding
                        raise _MergeError  # two different fonts under one name
                    continue
                chosen[gid] = (index, data)
        glyf, hmtx = base["glyf"], base["hmtx"]
        for gid, (index, data) in chosen.items():
            if index != base_index:
                glyf.glyphs[order[gid]] = Glyph(data)
                hmtx.metrics[order[gid]] = subsets[index].metrics(gid)
        for gid, index in _first_users(used, len(order)).items():
            hmtx.metrics[order[gid]] = subsets[index].metrics(gid)
    except (struct.error, IndexError, KeyError) as exc:
        raise _MergeError from exc


def _merge_cff(base, order, datas, base_index, used) -> None:
    """CFF outlines (name-keyed, desubroutinized as WeasyPrint subsets them): each
    glyph's charstring; an unused glyph id holds only ``endchar``."""
    from fontTools.ttLib import TTFont

    top = base["CFF "].cff.topDictIndex[0]
    if hasattr(top, "ROS"):
        raise _MergeError  # CID-keyed: glyphs also belong to font dicts (FDSelect)
    private = _private(top)
    chosen: dict = {}
    fonts = []
    for index, data in enumerate(datas):
        font = base if index == base_index else TTFont(io.BytesIO(data), recalcTimestamp=False)
        fonts.append(font)
        theirs = font["CFF "].cff.topDictIndex[0]
        if hasattr(theirs, "ROS") or _private(theirs) != private:
            raise _MergeError
        if list(theirs.FontMatrix) != list(top.FontMatrix):
            raise _MergeError
        charstrings = theirs.CharStrings.charStringsIndex
        for gid in range(len(charstrings)):
            charstring = charstrings[gid]
            if charstring.bytecode is None:
                charstring.compile()
            code = charstring.bytecode
            if len(code) <= 1:  # endchar: not in this subset
                continue
            if gid in chosen:
                if chosen[gid][1] != code:
                    raise _MergeError
                continue
            chosen[gid] = (index, code, charstring, font)
    charstrings = top.CharStrings.charStringsIndex
    for gid, (index, _code, charstring, font) in chosen.items():
        if index != base_index:
            charstring.private, charstring.globalSubrs = top.Private, top.GlobalSubrs
            charstrings.items[gid] = charstring
            base["hmtx"].metrics[order[gid]] = font["hmtx"].metrics[font.getGlyphOrder()[gid]]
    for gid, index in _first_users(used, len(order)).items():
        font = fonts[index]
        base["hmtx"].metrics[order[gid]] = font["hmtx"].metrics[font.getGlyphOrder()[gid]]


def _first_users(used: list[set], count: int) -> dict:
    """Glyph id → the first subset showing it."""
    first: dict = {}
    for index, gids in enumerate(used):
        for gid in gids:
            if gid < count:
                first.setdefault(gid, index)
    return dict(sorted(first.items()))


_MAXP = tuple(range(6, 32, 2))  # maxPoints … maxComponentDepth (maxp 1.0), all uint16
_HHEA = ((10, "H", max), (12, "h", min), (14, "h", min), (16, "h", max))


def _union_bounds(base, subsets) -> None:
    """The font's bounding box (head), maxima of points and contours (maxp) and extremes
    of the horizontal metrics (hhea) over every subset."""
    head = base["head"]
    boxes = [struct.unpack_from(">4h", s.tables["head"], 36) for s in subsets]
    head.xMin, head.yMin = min(b[0] for b in boxes), min(b[1] for b in boxes)
    head.xMax, head.yMax = max(b[2] for b in boxes), max(b[3] for b in boxes)
    maxp = base["maxp"]
    if maxp.tableVersion == 0x00010000 and all(len(s.tables["maxp"]) >= 32 for s in subsets):
        names = ("maxPoints", "maxContours", "maxCompositePoints", "maxCompositeContours",
                 "maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs",
                 "maxInstructionDefs", "maxStackElements", "maxSizeOfInstructions",
                 "maxComponentElements", "maxComponentDepth")  # fmt: skip
        for name, offset in zip(names, _MAXP, strict=True):
            setattr(maxp, name, max(struct.unpack_from(">H", s.tables["maxp"], offset)[0]
                                    for s in subsets))  # fmt: skip
    hhea = base["hhea"]
    names = ("advanceWidthMax", "minLeftSideBearing", "minRightSideBearing", "xMaxExtent")
    for name, (offset, code, pick) in zip(names, _HHEA, strict=True):
        setattr(hhea, name, pick(struct.unpack_from(f">{code}", s.tables["hhea"], offset)[0]
                                 for s in subsets))  # fmt: skip


def _private(top) -> dict:
    return {k: v for k, v in top.Private.rawDict.items() if k != "Subrs"}


def _extend_cmaps(base, order, text: dict) -> None:
    """Map the characters of the merged ToUnicode (one character per glyph) in the
    program's own character maps too, as the single pass's subset does."""
    if "cmap" not in base:
        return
    for table in base["cmap"].tables:
        if table.format not in (4, 12):
            continue
        for gid, value in text.items():
            if len(value) == 1 and gid < len(order):
                code = ord(value)
                if code not in table.cmap and (table.format == 12 or code <= 0xFFFF):
                    table.cmap[code] = order[gid]


# Widths and ToUnicode -------------------------------------------------------------------


def _union(maps) -> dict:
    """The union of glyph id → value maps; the first value of a glyph id wins."""
    merged: dict = {}
    for one in maps:
        for key, value in one.items():
            merged.setdefault(key, value)
    return dict(sorted(merged.items()))


def _read_widths(array) -> dict:
    """/W of a CID font: ``c [w1 w2 …]`` and ``c_first c_last w`` entries."""
    import pikepdf

    widths: dict = {}
    items = list(array) if array is not None else []
    i = 0
    while i < len(items):
        first = int(items[i])
        if i + 1 < len(items) and isinstance(items[i + 1], pikepdf.Array):
            for offset, width in enumerate(items[i + 1]):
                widths.setdefault(first + offset, _number(width))
            i += 2
        elif i + 2 < len(items):
            for cid in range(first, int(items[i + 1]) + 1):
                widths.setdefault(cid, _number(items[i + 2]))
            i += 3
        else:
            raise _MergeError
    return widths


def _number(value):
    number = float(value)
    return int(number) if number.is_integer() else number


def _write_widths(widths: dict):
    """/W as runs of consecutive ids: ``c [w1 w2 …]``."""
    import pikepdf

    array, run, start, previous = [], [], None, None
    for cid, width in widths.items():
        if previous is None or cid != previous + 1:
            if run:
                array += [start, pikepdf.Array(run)]
            start, run = cid, []
        run.append(width)
        previous = cid
    if run:
        array += [start, pikepdf.Array(run)]
    return pikepdf.Array(array)


_HEX = re.compile(rb"<([0-9A-Fa-f]*)>")


def _read_to_unicode(stream) -> dict:
    """Glyph id → text from a ToUnicode CMap's ``bfchar`` and ``bfrange`` sections."""
    if stream is None:
        return {}
    data = stream.read_bytes()
    found: dict = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.DOTALL):
        codes = _HEX.findall(section)
        for source, target in zip(codes[::2], codes[1::2], strict=False):
            found.setdefault(int(source, 16), _text(target))
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.DOTALL):
        for line in section.splitlines():
            codes = _HEX.findall(line)
            if len(codes) < 3:
                continue
            low, high = int(codes[0], 16), int(codes[1], 16)
            if b"[" in line:  # one destination per code
                for offset, target in enumerate(codes[2:]):
                    found.setdefault(low + offset, _text(target))
            else:
                first = bytearray.fromhex(codes[2].decode())
                for offset in range(high - low + 1):
                    value = int.from_bytes(first, "big") + offset
                    target = value.to_bytes(len(first), "big").hex().encode()
                    found.setdefault(low + offset, _text(target))
    return found


def _text(code: bytes) -> str:
    try:
        return bytes.fromhex(code.decode()).decode("utf-16-be")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _MergeError from exc


def _write_to_unicode(text: dict) -> bytes:
    """A ToUnicode CMap as WeasyPrint writes one: ``bfchar`` sections of up to 100."""
    lines = [
        b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
        b"/CIDSystemInfo", b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0",
        b">> def", b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
        b"1 begincodespacerange", b"<0000> <ffff>", b"endcodespacerange",
    ]  # fmt: skip
    items = list(text.items())
    for start in range(0, len(items), 100):
        batch = items[start : start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        for gid, value in batch:
            lines.append(f"<{gid:04x}> <{value.encode('utf-16-be').hex()}>".encode())
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


# The new objects ------------------------------------------------------------------------


def subset_tag(name: str, program: bytes) -> str:
    """Six capital letters from the merged program: distinct subsets, distinct tags."""
    digest = hashlib.md5(name.encode() + b"\0" + program, usedforsecurity=False).digest()
    return "".join(chr(65 + byte % 26) for byte in digest[:6])


def _font_objects(pdf, face: _Face, data: bytes, widths: dict, text: dict, remap=None):
    import pikepdf

    first = face.fonts[0]
    cid, descriptor = first.DescendantFonts[0], first.DescendantFonts[0].FontDescriptor
    base_font = pikepdf.Name(f"/{subset_tag(face.name, data)}+{face.name}")

    old = descriptor[face.kind]
    program = pikepdf.Stream(pdf, zlib.compress(data))
    program.Filter = pikepdf.Name.FlateDecode
    if face.kind == "/FontFile2":
        program.Length1 = len(data)
    if "/Subtype" in old:
        program.Subtype = old.Subtype

    boxes = [f.DescendantFonts[0].FontDescriptor.get("/FontBBox") for f in face.fonts]
    boxes = [[float(v) for v in box] for box in boxes if box is not None and len(box) == 4]
    new_descriptor = pikepdf.Dictionary({k: v for k, v in descriptor.items() if k != "/CIDSet"})
    new_descriptor.FontName = base_font
    new_descriptor[face.kind] = program
    if boxes:
        new_descriptor.FontBBox = pikepdf.Array(
            [_number(min(b[0] for b in boxes)), _number(min(b[1] for b in boxes)),
             _number(max(b[2] for b in boxes)), _number(max(b[3] for b in boxes))]
        )  # fmt: skip

    new_cid = pikepdf.Dictionary({k: v for k, v in cid.items()})
    new_cid.BaseFont = base_font
    new_cid.FontDescriptor = pdf.make_indirect(new_descriptor)
    new_cid.W = _write_widths(widths)
    if remap is not None:  # identity for the glyphs shown, hyphens' codes to their glyph
        extra, glyphs = remap
        table = bytearray()
        for code in range(max(extra) + 1):
            glyph = extra.get(code, code if code in glyphs else 0)
            table += glyph.to_bytes(2, "big")
        mapping = pikepdf.Stream(pdf, zlib.compress(bytes(table)))
        mapping.Filter = pikepdf.Name.FlateDecode
        new_cid.CIDToGIDMap = mapping

    font = pikepdf.Dictionary({k: v for k, v in first.items()})
    font.BaseFont = base_font
    font.DescendantFonts = pikepdf.Array([pdf.make_indirect(new_cid)])
    if text or "/ToUnicode" in first:
        to_unicode = pikepdf.Stream(pdf, zlib.compress(_write_to_unicode(text)))
        to_unicode.Filter = pikepdf.Name.FlateDecode
        font.ToUnicode = to_unicode
    return pdf.make_indirect(font)


# What a file embeds ---------------------------------------------------------------------


def embedded_programs(pdf) -> dict:
    """What ``pdf`` embeds, for the quality report: faces (name without tag), programs,
    the faces embedded more than once, and the tags shared by different subsets."""
    programs: dict = {}  # objgen → (face, tag, digest)
    for font in used_fonts(pdf):
        program = program_of(font)
        if program is None or not program.is_indirect or program.objgen in programs:
            continue
        name = str(font.get("/BaseFont", "/?"))[1:]
        tag = name.split("+", 1)[0] if TAG.match(name) else ""
        digest = hashlib.md5(program.read_raw_bytes(), usedforsecurity=False).hexdigest()
        programs[program.objgen] = (face_name(font), tag, digest)
    by_face: dict = {}
    by_tag: dict = {}
    for face, tag, digest in programs.values():
        by_face.setdefault(face, []).append(digest)
        if tag:
            by_tag.setdefault(f"{tag}+{face}", set()).add(digest)
    return {
        "faces": len(by_face),
        "programs": len(programs),
        "repeated_faces": {face: len(p) for face, p in sorted(by_face.items()) if len(p) > 1},
        "shared_tags": {tag: len(d) for tag, d in sorted(by_tag.items()) if len(d) > 1},
    }
