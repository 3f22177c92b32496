"""The preview server of ``casepress serve``: watch, rebuild, serve, reload the open page.

    PreviewServer
     ├── Preview (preview.py)  what a change affects; the last good pages; problems now
     ├── watcher thread        watchfiles on cases/, templates/, styles/, themes/; polls
     │                         casepress.yaml and the handbooks' introductions and logos
     └── HTTP server           http.server, bound to 127.0.0.1 unless told otherwise

Pages are served from the preview's own folder (a temporary one), never from ``build/``,
with a small script added on the way out (never to a file) that listens on
``/__casepress/events`` (Server-Sent Events) and reloads the page when a rebuild is done.
A page whose case has errors is replaced by a page listing them (file, line, column,
message, and the lines around), which reloads into the brief once the file is fixed; the
last good page stays one click away, and every other page keeps being served.
"""

from __future__ import annotations

import errno
import html
import http.server
import ipaddress
import json
import logging
import os
import posixpath
import socket
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .. import files
from ..errors import CasepressError, Problem, UsageError
from ..model.project import Project
from ..render.site import HANDBOOKS_FOLDER, INDEX_PAGE
from .preview import Preview, Rebuild

LOGGER = logging.getLogger("casepress.serve")
LOGGER.addHandler(logging.NullHandler())  # the CLI decides what a person sees
EVENTS = "/__casepress/events"
PROBLEMS = "/__casepress/problems"
VERSION = "/__casepress/version"
HEARTBEAT_SECONDS = 15.0
"""How often an idle event stream sends a comment, which finds closed browser tabs."""


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach a server bound to ``host``."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class PreviewServer:
    """A preview of one project on ``http://host:port/``; ``port=0`` picks a free port.

    Use as a context manager, or ``start()`` … ``stop()``::

        with PreviewServer(lambda: load_project("."), port=0) as server:
            print(server.url)
    """

    def __init__(
        self,
        load: Callable[[], Project],
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        output_dir: Path | None = None,
        watch: bool = True,
    ):
        self._temporary = None if output_dir else tempfile.TemporaryDirectory(prefix="casepress-")
        out = Path(output_dir) if output_dir else Path(self._temporary.name)
        self.preview = Preview(load, out)
        self.host, self.port = host, port
        self.watch = watch
        self.stopping = threading.Event()
        self.ready = threading.Event()
        """Set once the watcher sees changes (at once when not watching)."""
        self._httpd: _Server | None = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> Rebuild:
        """Bind, build everything once, then serve and watch in background threads."""
        try:
            self._httpd = _Server(self.host, self.port, self)
        except (OSError, OverflowError) as exc:  # in use, not this machine's, out of range
            if self._temporary is not None:
                self._temporary.cleanup()
            raise UsageError(_listen_error(self.host, self.port, exc)) from None
        self.port = self._httpd.server_address[1]
        result = self.preview.rebuild()
        self._spawn(self._httpd.serve_forever, "casepress-http")
        if self.watch:
            self._spawn(self._watch, "casepress-watch")
            self.ready.wait(timeout=10)
        else:
            self.ready.set()
        return result

    def stop(self) -> None:
        """Stop serving and watching; open event streams end; the preview folder goes."""
        self.stopping.set()
        self.preview.wake()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._temporary is not None:
            self._temporary.cleanup()

    def wait(self) -> None:
        """Block until stopped; returns at once on Ctrl-C in the main thread (KeyboardInterrupt)."""
        while not self.stopping.wait(0.5):
            pass

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- watching ------------------------------------------------------------------------

    def _watch(self) -> None:
        from watchfiles import DefaultFilter, watch

        default = DefaultFilter()

        def wanted(change, path: str) -> bool:  # an editor's temporary files wake nothing
            return default(change, path) and self.preview.is_input(Path(path))

        stamps: dict[Path, tuple[int, int] | None] = {}
        previous: list[Path] | None = None
        while not self.stopping.is_set():
            folders, files = self.preview.watched()
            for path in files:
                stamps.setdefault(path, _stamp(path))
            # A folder appeared (cases/, templates/): what is in it counts as changed, once
            # the watch on it has started, so that nothing saved meanwhile is missed.
            pending = set(folders) ^ set(previous) if previous is not None else set()
            previous = folders
            if not folders:  # nothing to watch yet: poll until a folder appears
                self.ready.set()
                if not self.stopping.wait(0.5):
                    self._changed(_polled(stamps) | pending)
                continue
            try:
                for changes in watch(
                    *folders,
                    watch_filter=wanted,
                    stop_event=self.stopping,
                    debounce=800,  # at most this long to gather a burst of saves ...
                    step=60,  # ... which ends after this long without a change
                    rust_timeout=400,  # yield this often anyway, to poll single files
                    yield_on_timeout=True,
                    raise_interrupt=False,
                ):
                    self.ready.set()
                    self._changed({Path(p) for _, p in changes} | _polled(stamps) | pending)
                    pending = set()
                    if self.preview.watched() != (folders, files):
                        break  # watch the new set of folders
            except Exception:  # noqa: BLE001 - the watcher must outlive any one failure
                LOGGER.exception("casepress: watching files failed; retrying")
                self.stopping.wait(1)

    def _changed(self, paths: set[Path]) -> None:
        paths = {p for p in paths if self.preview.is_input(p)}
        if not paths or self.stopping.is_set():
            return
        try:
            result = self.preview.rebuild(paths)
        except Exception:  # noqa: BLE001 - a bug in one rebuild must not stop the server
            LOGGER.exception("casepress: rebuild failed")
            return
        _log_rebuild(result, sorted(paths))


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, owner: PreviewServer):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.owner = owner
        super().__init__((host.strip("[]"), port), _Handler)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    server_version = "casepress"

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        self._respond(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._respond(head=True)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's name
        LOGGER.debug("%s %s", self.address_string(), format % args)

    def _respond(self, *, head: bool) -> None:
        owner = self.server.owner
        preview = owner.preview
        if not self._host_allowed():
            body = b"casepress serve answers to localhost only\n"
            return self._send(403, "text/plain; charset=utf-8", body, head)
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        if url.path == EVENTS:
            since = (query.get("since") or [""])[0]
            return self._events(int(since) if since.isdigit() else -1)
        if url.path == VERSION:
            body = json.dumps({"version": preview.version}).encode()
            return self._send(200, "application/json", body, head)
        if url.path == PROBLEMS:
            page = problems_page(preview.all_problems(), title="Problems in the project")
            return self._send(200, "text/html; charset=utf-8", self._live(page), head)
        relative = _relative(url.path)
        if relative is None or not relative.endswith((".html", ".pdf")):
            return self._not_found(head)
        if relative.endswith(".pdf") or relative.startswith(f"{HANDBOOKS_FOLDER}/"):
            try:  # made when asked for
                path = preview.ensure(relative)
            except CasepressError as exc:
                problem = Problem.error(relative, str(exc))
                page = problems_page([problem], title=f"{relative} could not be made")
                return self._send(500, "text/html; charset=utf-8", self._live(page), head)
            if relative.endswith(".pdf"):
                if path is None:
                    return self._not_found(head)
                return self._send(200, "application/pdf", path.read_bytes(), head)
        with preview.lock:  # a page and its problems from the same, finished rebuild
            problems = preview.problems_for(relative)
            file = preview.out / relative
            content = file.read_text("utf-8") if file.is_file() else None
            version = preview.version
        errors = [p for p in problems if p.severity == "error"]
        if errors and "last-good" not in query:
            page = problems_page(errors, title=_title(errors), last_good=content is not None)
            return self._send(200, "text/html; charset=utf-8", self._live(page, version), head)
        if content is None:
            return self._not_found(head)
        notes = _notes(preview, problems, last_good="last-good" in query and bool(errors))
        body = self._live(content, version, notes)
        return self._send(200, "text/html; charset=utf-8", body, head)

    def _host_allowed(self) -> bool:
        """On loopback, only requests addressed to this machine by name or number.

        A web page elsewhere could otherwise point a name of its own at 127.0.0.1 (DNS
        rebinding) and read the unpublished cases through the visitor's browser, which
        always sends the name it used in the Host header.
        """
        header = self.headers.get("Host")
        if header is None or not is_loopback(self.server.owner.host):
            return True
        name = (urlsplit(f"//{header}").hostname or "").rstrip(".")
        return name == "localhost" or name.endswith(".localhost") or is_loopback(name)

    def _not_found(self, head: bool) -> None:
        problem = Problem.error(unquote(urlsplit(self.path).path), "no such page")
        advice = "It appears here by itself once a case file makes it."
        page = problems_page([problem], title="Not found", heading="Page not found", advice=advice)
        self._send(404, "text/html; charset=utf-8", self._live(page), head)

    def _live(self, page: str, version: int | None = None, notes: str = "") -> bytes:
        """The page with the reload script (and any notes), added here, never in a file.

        ``version`` is the preview's version the page was read at: a rebuild finished after
        that makes the page reload at once.
        """
        if version is None:
            version = self.server.owner.preview.version
        script = (
            f"{notes}<script>/* casepress serve: reload when a rebuild is done */\n"
            f'(function () {{ var events = new EventSource("{EVENTS}?since={version}");\n'
            "events.onmessage = function () { events.close(); location.reload(); };\n"
            "})();</script>\n"
        )
        at = page.lower().rfind("</body>")
        at = len(page) if at < 0 else at
        return (page[:at] + script + page[at:]).encode("utf-8")

    def _send(self, status: int, kind: str, body: bytes, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self, since: int) -> None:
        """Server-Sent Events: the new version after each rebuild, until the tab closes."""
        owner = self.server.owner
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        try:
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            while not owner.stopping.is_set():
                version = owner.preview.wait(since, HEARTBEAT_SECONDS)
                if owner.stopping.is_set():
                    break
                if version != since:
                    self.wfile.write(f"data: {version}\n\n".encode())
                    since = version
                else:
                    self.wfile.write(b": still here\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed or reloaded


def _relative(path: str) -> str | None:
    """The output a URL path names, or None when it leaves the preview or names a hidden file."""
    clean = posixpath.normpath("/" + unquote(path)).lstrip("/")
    if clean in ("", "."):
        return INDEX_PAGE
    if path.endswith("/"):
        clean = f"{clean}/{INDEX_PAGE}"
    parts = clean.split("/")
    if any(part.startswith(".") or part == "" for part in parts) or "\\" in clean:
        return None
    return clean


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def _polled(stamps: dict[Path, tuple[int, int] | None]) -> set[Path]:
    """Single files (casepress.yaml, ...) changed since last looked at; updates ``stamps``."""
    changed = set()
    for path, before in stamps.items():
        now = _stamp(path)
        if now != before:
            stamps[path] = now
            changed.add(path)
    return changed


def _title(problems: list[Problem]) -> str:
    files = sorted({p.path for p in problems})
    what = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return f"{what} in {', '.join(files)}" if len(files) <= 2 else f"{what} in {len(files)} files"


def _notes(preview: Preview, problems: list[Problem], *, last_good: bool) -> str:
    """A bar at the foot of a served page: problems elsewhere, warnings here, last good."""
    lines = []
    if last_good:
        lines.append("This is the last good version: the file has errors now.")
    warnings = [p for p in problems if p.severity == "warning"]
    if warnings:
        lines.append(f"{len(warnings)} warning(s) in {html.escape(warnings[0].path)}.")
    others = [p for p in preview.all_problems() if p.severity == "error" and p not in problems]
    if others:
        lines.append(f"{len(others)} error(s) elsewhere in the project.")
    if not lines:
        return ""
    text = " ".join(lines)
    return (
        '<div id="casepress-notes" role="status" style="position:fixed;left:0;right:0;bottom:0;'
        "z-index:2147483647;margin:0;padding:0.5rem 1rem;background:#fff4e5;color:#5c3300;"
        "border-top:2px solid #b4532a;font:14px/1.4 system-ui,sans-serif;"
        f'">casepress: {text} <a href="{PROBLEMS}" style="color:inherit">Show problems</a></div>'
    )


def problems_page(
    problems: list[Problem],
    *,
    title: str,
    heading: str | None = None,
    last_good: bool = False,
    advice: str = "Fix the file and save it: this page reloads by itself.",
) -> str:
    """A readable page of problems: where, what, and the lines around; all text escaped."""
    items = []
    for problem in problems:
        excerpt = _excerpt(problem)
        items.append(
            f'<li class="{html.escape(problem.severity)}">'
            f"<p><code>{html.escape(str(problem))}</code></p>{excerpt}</li>"
        )
    back = (
        '<p>The last good version is still served: <a href="?last-good">open it</a>.</p>'
        if last_good
        else ""
    )
    listing = "\n".join(items) or "<li>No problems: every file is valid.</li>"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>casepress: {html.escape(title)}</title>
<style>
body {{ max-width: 56rem; margin: 0 auto; padding: 2rem 1.25rem 5rem; color: #1d2329;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }}
.kicker {{ margin: 0; color: #b4532a; font-size: 0.8rem; font-weight: 600;
  letter-spacing: 0.12em; text-transform: uppercase; }}
h1 {{ margin: 0.2rem 0 1rem; color: #8a1c1c; font-size: 1.6rem; line-height: 1.2; }}
ol {{ padding-left: 1.4rem; }}
li {{ margin: 0 0 1.4rem; }}
li.warning code {{ color: #6b4a00; }}
code, pre {{ font: 0.92rem/1.45 ui-monospace, "DejaVu Sans Mono", monospace; }}
li > p > code {{ color: #8a1c1c; overflow-wrap: anywhere; }}
pre {{ margin: 0.4rem 0 0; padding: 0.6rem 0.8rem; overflow-x: auto; background: #f2f4f6;
  border-left: 3px solid #d4d9df; }}
pre mark {{ display: block; background: #fde2e2; color: inherit; }}
.number {{ display: inline-block; min-width: 3ch; margin-right: 1ch; color: #56606b;
  text-align: right; user-select: none; }}
</style>
</head>
<body>
<p class="kicker">casepress serve</p>
<h1>{html.escape(heading or title)}</h1>
<p>{html.escape(advice)}</p>
{back}
<ol class="problems">
{listing}
</ol>
</body>
</html>
"""


def _excerpt(problem: Problem, around: int = 2) -> str:
    """The lines around a problem's position, the line itself marked, a caret at the column."""
    if not problem.line:
        return ""
    try:  # a file casepress read already; through ``files`` again, bounded, in case it changed
        lines = files.read_text(
            problem.path, None, limit=files.CASE_FILE_BYTES, what="file"
        ).splitlines()
    except files.FileRefusedError:
        return ""
    first, last = max(1, problem.line - around), min(len(lines), problem.line + around)
    out = []
    for number in range(first, last + 1):
        text = html.escape(lines[number - 1])
        row = f'<span class="number">{number}</span>{text}'
        if number == problem.line:
            caret = " " * (max(problem.column, 1) - 1) + "^"
            row += f'\n<span class="number"> </span>{caret}'
            row = f"<mark>{row}</mark>"
        out.append(row if number == problem.line else row + "\n")
    return f"<pre>{''.join(out)}</pre>"


def _listen_error(host: str, port: int, exc: BaseException) -> str:
    """Why the server cannot listen, and what to do instead."""
    errno_ = getattr(exc, "errno", None)
    if errno_ == errno.EADDRINUSE:
        return (
            f"port {port} is in use on {host} (another casepress serve, or another program); "
            "choose another with --port, or --port 0 for any free one"
        )
    if errno_ in (errno.EACCES, errno.EPERM):
        return (
            f"cannot listen on port {port}: ports below 1024 need administrator rights; "
            "choose one above 1024 with --port, or --port 0 for any free one"
        )
    if isinstance(exc, OverflowError):
        return f"cannot listen on port {port}: choose a port from 1 to 65535, or --port 0"
    reason = getattr(exc, "strerror", None) or str(exc)
    return (
        f"cannot listen on {host}:{port}: {reason}; check --host (an address of this "
        "machine, such as 127.0.0.1) and --port"
    )


def _log_rebuild(result: Rebuild, paths: list[Path]) -> None:
    shown = ", ".join(os.path.relpath(p) for p in paths[:3]) + (" …" if len(paths) > 3 else "")
    errors = [p for p in result.problems if p.severity == "error"]
    warnings = len(result.problems) - len(errors)
    what = "everything" if result.full else f"{result.pages} page(s)"
    LOGGER.info(
        "%s changed: rebuilt %s in %.2f s; %d error(s), %d warning(s)",
        shown, what, result.seconds, len(errors), warnings,
    )  # fmt: skip
    for problem in errors:
        LOGGER.warning("%s", problem)
