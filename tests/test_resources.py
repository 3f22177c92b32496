"""The resource policy and the PDF fetcher: what a brief may load, and what never gets in."""

import base64
import io
import time
from pathlib import Path

import pytest

from casepress.errors import RenderError, display_path
from casepress.pdf.writer import PdfRenderer, SandboxFetcher
from casepress.render.resources import RefusedError, ResourcePolicy, image_pixels, resolve_url
from casepress.theme.chain import PDF_STYLESHEETS, load_theme
from conftest import bomb_png, pdf_inventory, write_png

SECRET = "casepress-secret-6b1f"  # the content of files outside the project


@pytest.fixture
def layout(tmp_path):
    """A project folder with an image inside, and secrets beside it (outside)."""
    project = tmp_path / "project"
    write_png(project / "images" / "inside.png", 8, 8, "RGB")
    (project / "cases").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    write_png(outside / "secret.png", 8, 8, "RGB")
    (project / ".env").write_text(SECRET)
    return project


def refusal(policy: ResourcePolicy, url: str) -> str:
    with pytest.raises(RefusedError) as caught:
        policy.check(url)
    return caught.value.reason


def test_files_inside_the_roots_are_served(layout):
    policy = ResourcePolicy.of([layout])
    inside = layout / "images" / "inside.png"
    assert policy.check(inside.as_uri()) == inside
    # '..' that stays inside is fine
    assert policy.check((layout / "cases").as_uri() + "/../images/inside.png") == inside


@pytest.mark.parametrize(
    "relative",
    [
        "../outside/secret.txt",  # plain traversal
        "%2e%2e/outside/secret.txt",  # percent-encoded traversal
        "%2E%2E%2Foutside%2Fsecret.txt",  # encoded slashes too
        "images/../../outside/secret.txt",
    ],
)
def test_traversal_out_of_the_project_is_refused(layout, relative):
    policy = ResourcePolicy.of([layout])
    url = resolve_url(relative, layout)
    assert refusal(policy, url) == "outside the project and its theme folders"


def test_absolute_paths_and_file_urls_outside_are_refused(layout):
    policy = ResourcePolicy.of([layout])
    assert refusal(policy, "file:///etc/passwd") == "outside the project and its theme folders"
    assert refusal(policy, resolve_url("/etc/passwd", layout / "cases")).startswith("outside")
    assert refusal(policy, "file://localhost/etc/passwd").startswith("outside")


def test_a_symlink_pointing_outside_is_refused(layout):
    link = layout / "images" / "innocent.png"
    link.symlink_to(layout.parent / "outside" / "secret.png")
    folder_link = layout / "images" / "folder"
    folder_link.symlink_to(layout.parent / "outside", target_is_directory=True)
    policy = ResourcePolicy.of([layout])
    assert refusal(policy, link.as_uri()) == (
        "a symbolic link to a file outside the project and its theme folders"
    )
    assert refusal(policy, folder_link.as_uri() + "/secret.txt") == (
        "in a folder that is a symbolic link to a place outside the project and its theme folders"
    )


def test_hidden_files_folders_and_oddities_are_refused(layout):
    policy = ResourcePolicy.of([layout])
    assert refusal(policy, (layout / ".env").as_uri()) == "hidden files and folders are never read"
    assert refusal(policy, (layout / "images").as_uri()) == "not a regular file"
    assert refusal(policy, (layout / "missing.png").as_uri()) == "no such file"
    assert refusal(policy, layout.as_uri() + "/a%00b") == "not a valid file path"


def test_network_only_when_allowed_and_other_schemes_never(layout):
    closed = ResourcePolicy.of([layout])
    assert refusal(closed, "http://127.0.0.1/x.png").startswith("network access is off")
    assert refusal(closed, "https://example.org/x.png").startswith("network access is off")
    opened = ResourcePolicy.of([layout], allow_network=True)
    assert opened.check("https://example.org/x.png") is None
    for url in ("ftp://example.org/x", "javascript:alert(1)", "gopher://x", "jar:file:///x!/"):
        assert "scheme is not allowed" in refusal(opened, url)
    assert closed.check("data:image/png;base64,AAAA") is None


def test_oversized_files_are_refused(layout):
    big = layout / "big.bin"
    big.write_bytes(b"0" * 2000)
    policy = ResourcePolicy.of([layout], max_bytes=1000)
    assert refusal(policy, big.as_uri()) == "2,000 bytes, more than the limit of 1,000"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF"])
def test_image_size_is_read_from_the_header(fmt):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (300, 200)).save(buffer, fmt)
    assert image_pixels(buffer.getvalue()) == (60_000, "300 × 200 pixels")


def test_not_an_image_is_not_measured():
    assert image_pixels(b"<svg xmlns='http://www.w3.org/2000/svg'/>") is None
    assert image_pixels(b"@font-face {}") is None
    assert image_pixels(b"") is None


def test_a_decompression_bomb_is_refused_from_its_header_quickly(tmp_path):
    bomb = write_png(tmp_path / "bomb.png", 20_000, 20_000)  # 400 megapixels, ~50 KB
    policy = ResourcePolicy.of([tmp_path])
    started = time.process_time()
    with pytest.raises(RefusedError) as caught:
        policy.check_image(bomb, bomb.as_uri())
    assert time.process_time() - started < 2  # nothing was decoded
    assert caught.value.fatal
    assert caught.value.reason == (
        "image is 400,000,000 pixels (400.0 megapixels), more than the limit of "
        "40.0 megapixels (max_image_pixels in casepress.yaml)"
    )


def test_an_image_just_over_a_configured_limit_is_refused_with_its_size(tmp_path):
    image = write_png(tmp_path / "photo.png", 1200, 1000)
    policy = ResourcePolicy.of([tmp_path], max_image_pixels=1_000_000)
    with pytest.raises(RefusedError, match=r"image is 1,200 × 1,000 pixels \(1\.2 megapixels\)"):
        policy.check_image(image, image.as_uri())
    ResourcePolicy.of([tmp_path], max_image_pixels=1_200_000).check_image(image, image.as_uri())


# Through WeasyPrint: raw HTML here, as a project with trust_html would pass it.


@pytest.fixture(scope="module")
def stylesheets():
    return load_theme(None).stylesheets(PDF_STYLESHEETS)


@pytest.mark.slow
def test_each_kind_of_hostile_reference_is_refused(layout, stylesheets):
    html = f"""
    <a rel="attachment" href="file:///etc/passwd">a</a>
    <link rel="attachment" href="../../outside/secret.txt">
    <img src="../../outside/secret.png"> <img src="/etc/passwd">
    <img src="%2e%2e/%2e%2e/outside/secret.png">
    <object data="../../outside/secret.png"></object> <embed src="../../outside/secret.png">
    <style>@import url(file://{layout.parent}/outside/secret.txt);
      @font-face {{ font-family: X; src: url(file:///etc/passwd) }}
      p {{ font-family: X }} </style>
    <p style="background: url(../../outside/secret.png)">text</p>
    <svg width="10" height="10"><image href="file:///etc/passwd" width="9" height="9"/></svg>
    <img src="../images/inside.png" alt="allowed">
    """
    result, inventory = render_html(layout, stylesheets, html)
    assert inventory.attachments == 0
    assert inventory.images == 1  # the one inside the project
    assert SECRET.encode() not in inventory.content
    assert b"root:x:0:0" not in inventory.content
    refused = [r.url for r in result.refusals]
    # attachment, then img and svg (one fetch: WeasyPrint caches by URL) and font
    assert sum(u.endswith("/etc/passwd") for u in refused) >= 2
    assert sum(u.endswith("secret.png") for u in refused) >= 2  # plain and %2e%2e
    assert any(u.endswith("secret.txt") for u in refused)
    assert all(r.reason.startswith("outside the project") for r in result.refusals)


@pytest.mark.slow
def test_the_same_payload_is_live_without_the_sandbox(layout):
    """Canary: WeasyPrint's own fetcher embeds the secret, so the checks above mean something."""
    from weasyprint import HTML

    html = '<a rel="attachment" href="../outside/secret.txt">a</a><img src="../outside/secret.png">'
    out = layout / "unguarded.pdf"
    HTML(string=html, base_url=str(layout) + "/").write_pdf(out)
    inventory = pdf_inventory(out)
    assert inventory.attachments > 0 and inventory.images == 1
    assert SECRET.encode() in inventory.content


@pytest.mark.slow
def test_network_is_not_touched_unless_allowed(layout, stylesheets, loopback):
    url = f"http://127.0.0.1:{loopback.server_port}"
    html = (
        f'<img src="{url}/image.png"><link rel="attachment" href="{url}/attach">'
        f"<style>@import url({url}/style.css); p {{ background: url({url}/bg.png) }}</style><p>x</p>"
    )
    result, inventory = render_html(layout, stylesheets, html)
    assert loopback.requests == []
    assert inventory.images == 0 and inventory.attachments == 0
    assert {r.reason for r in result.refusals} == {
        "network access is off (set allow_network: true to allow it)"
    }
    # allowed: the same document does fetch (so the refusal above is not an accident)
    result, inventory = render_html(layout, stylesheets, html, allow_network=True)
    assert "/image.png" in loopback.requests
    assert inventory.images >= 1


@pytest.mark.slow
def test_a_decompression_bomb_stops_the_pdf_with_a_clear_error(layout, stylesheets):
    write_png(layout / "images" / "bomb.png", 20_000, 20_000)
    with pytest.raises(RenderError, match=r"/images/bomb\.png: image is 400,000,000 pixels"):
        render_html(layout, stylesheets, '<img src="../images/bomb.png">')


@pytest.mark.slow
def test_a_bomb_in_a_data_uri_or_inside_an_svg_is_refused_too(layout, stylesheets):
    uri = "data:image/png;base64," + base64.b64encode(bomb_png(20_000, 20_000)).decode()
    with pytest.raises(RenderError, match="more than the limit of 40.0 megapixels"):
        render_html(layout, stylesheets, f'<img src="{uri}">')
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><image href="{uri}" width="9" height="9"/></svg>'
    (layout / "images" / "nested.svg").write_text(svg)
    with pytest.raises(RenderError, match="more than the limit of 40.0 megapixels"):
        render_html(layout, stylesheets, '<img src="../images/nested.svg">')


@pytest.mark.slow
def test_a_theme_stylesheet_cannot_import_or_load_fonts_from_outside(layout):
    styles = layout / "styles"
    styles.mkdir()
    (styles / "print.css").write_text(
        "@import url(file:///etc/passwd);\n"
        "@font-face { font-family: Leak; src: url(../../outside/secret.txt); }\n"
        "body { font-family: Leak; background: url(/etc/passwd); }\n"
    )
    theme = load_theme(layout)
    renderer = PdfRenderer(
        theme.stylesheets(PDF_STYLESHEETS), policy=ResourcePolicy.of((layout, *theme.roots))
    )
    # @import and @font-face are fetched when the sheet is parsed, url() at layout time;
    # each refusal is a warning at the line of the sheet that asked for it
    said = [(p.path, p.line, p.message) for p in renderer.sheet_problems]
    sheet = display_path(styles / "print.css")
    assert (
        sheet,
        1,
        "refused file:///etc/passwd: outside the project and its theme folders",
    ) in said
    assert any(line == 2 and "secret.txt: outside the project" in m for _, line, m in said)
    assert not any("refused" in m for m in renderer.stylesheet_warnings)
    result = renderer.pdf("<p>text</p>", base_url=layout / "cases")
    # the background's /etc/passwd is the @import's address: named at its first place
    assert {(p.path, p.line) for p in result.sheet_problems} == {(sheet, 1), (sheet, 2)}
    out = layout / "theme.pdf"
    out.write_bytes(result.data)
    inventory = pdf_inventory(out)
    assert SECRET.encode() not in inventory.content and b"root:x:0:0" not in inventory.content
    assert result.refusals == []  # the sheet's, not the document's
    assert inventory.images == 0


def test_refusals_are_recorded_by_the_fetcher(layout):
    fetcher = SandboxFetcher(ResourcePolicy.of([layout]))
    with pytest.raises(ValueError, match="casepress refused file:///etc/passwd"):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.refused == ["file:///etc/passwd (outside the project and its theme folders)"]
    response = fetcher.fetch((layout / "images" / "inside.png").as_uri())
    assert response.content_type == "image/png"


def render_html(project: Path, stylesheets, html: str, **options):
    theme = load_theme(project)
    policy = ResourcePolicy.of((project, *theme.roots), **options)
    result = PdfRenderer(stylesheets, policy=policy).pdf(
        f"<html><body>{html}</body></html>", base_url=project / "cases"
    )
    out = project / "out.pdf"
    out.write_bytes(result.data)
    return result, pdf_inventory(out)


def test_the_test_bomb_is_a_real_image():
    from PIL import Image

    small = Image.open(io.BytesIO(bomb_png(64, 48)))
    small.load()  # decodes: the generator writes a valid PNG, not just a header
    assert small.size == (64, 48) and small.getextrema() == (0, 0)
