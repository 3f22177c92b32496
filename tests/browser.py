"""Debian's headless Chromium, driven over the DevTools protocol: axe-core on a page, and a
page used as a person would use it (the site's filters, the preview's live reload).

Nothing is downloaded at test time: Chromium comes from scripts/install-system-deps and
axe-core from scripts/install-test-tools (into .cache/axe-core). The browser listens on a
loopback port of its own choosing (``--remote-debugging-port=0``), written to
DevToolsActivePort in its fresh profile folder.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
AXE_SCRIPT = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--remote-debugging-port=0", "--remote-allow-origins=*",
]  # fmt: skip


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


def axe_script() -> Path | None:
    path = Path(os.environ.get("AXE_CORE_JS", AXE_SCRIPT))
    return path if path.is_file() else None


class Browser:
    """One headless Chromium with one page; ``axe`` is needed for ``axe()`` only."""

    def __init__(
        self, executable: str, axe: Path | None = None, *, width: int = 1000, height: int = 800
    ):
        import websocket  # websocket-client, a test dependency

        self.axe_source = axe.read_text("utf-8") if axe else None
        self.profile = tempfile.mkdtemp(prefix="casepress-chromium-")
        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={self.profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.socket = None
        try:
            port = self._port()
            targets = json.load(
                urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10)
            )
            page = next(t for t in targets if t["type"] == "page")
            self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30)
            self.next_id = 0
            self.events: list[dict[str, Any]] = []
            """Events that arrived while an answer was awaited, oldest first."""
            self.call("Page.enable")
        except BaseException:
            self.close()
            raise

    def _port(self) -> int:
        marker = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if marker.is_file() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with {self.process.returncode}")
            time.sleep(0.05)
        raise RuntimeError("chromium did not open its DevTools port within 30 s")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for_event(self, event: str) -> None:
        while True:
            message = self.events.pop(0) if self.events else json.loads(self.socket.recv())
            if message.get("method") == event:
                return

    def open(self, target: Path | str) -> None:
        """Load a page (a file, or a URL) and wait until it has loaded."""
        url = target if isinstance(target, str) else Path(target).resolve().as_uri()
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def wait_until(self, condition: str, timeout: float = 10) -> None:
        """Wait until a script expression is true; while a page reloads, it is just false."""
        probe = (
            f"(() => {{ try {{ return Boolean({condition}); }} catch (e) {{ return false; }} }})()"
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(probe):
                    return
            except RuntimeError:  # the page was being replaced (execution context destroyed)
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout} s: {condition}")
            time.sleep(0.05)

    def type_text(self, selector: str, text: str) -> None:
        """Focus a field and type into it as a person would (input events included)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.call("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def axe(self, path: Path) -> list[dict]:
        """axe-core's violations on a page, with every rule axe runs by default."""
        assert self.axe_source is not None, "Browser(executable, axe_script()) runs axe"
        self.open(path)
        self.evaluate(self.axe_source)
        return self.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
            "v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)})))"
        )

    def close(self) -> None:
        try:
            if self.socket is not None:
                self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
