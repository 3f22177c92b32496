"""Time and peak memory of casepress on inputs meant to exhaust the machine.

Run from a checkout:  PYTHONPATH=src python benchmarks/limits.py
Each scenario runs `casepress build` in a fresh process on a generated project and reports
its wall time, peak resident memory, exit code and the last lines it printed. The
unguarded rows render the same HTML with WeasyPrint's default fetcher, for comparison.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
import textwrap
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import json, re, sys, time, contextlib, io
    started = time.perf_counter()
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        {body}
    print(json.dumps({{
        "seconds": round(time.perf_counter() - started, 1),
        # VmHWM, not ru_maxrss: the latter keeps the parent's peak from before exec
        "peak_mb": int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1]) // 1024,
        "exit": code,
        "said": err.getvalue().strip().splitlines()[-2:],
    }}))
    """
)
BUILD = "from casepress.cli.commands import main; code = main(['build', '-C', sys.argv[1]])"
UNGUARDED = (
    "from weasyprint import HTML; "
    "HTML(filename=sys.argv[1] + '/page.html').write_pdf(sys.argv[1] + '/page.pdf'); code = 0"
)


def measure(body: str, folder: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    script = CHILD.format(body=body)
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder)], env=env, capture_output=True, text=True
    )
    if done.returncode:
        return {"crashed": done.returncode, "stderr": done.stderr[-500:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def project(folder: Path, config: str, cases: dict[str, str]) -> Path:
    (folder / "cases").mkdir(parents=True)
    (folder / "casepress.yaml").write_text(config)
    for name, text in cases.items():
        (folder / "cases" / f"{name}.yaml").write_text(text)
    return folder


def lessons(count: int) -> str:
    items = "".join(
        f"  - title: Lesson {i}\n    text: This is lesson number {i}. It says little.\n"
        for i in range(1, count + 1)
    )
    return f"title: Many lessons\ncontext: A case with {count:,} lessons.\nlessons:\n{items}"


def table(rows: int) -> str:
    body = "".join(f"  | {1900 + i % 100} | event {i} |\n" for i in range(rows))
    return (
        f"title: Table\nlessons: [{{text: y}}]\ncontext: |\n  | Year | Event |\n  |--|--|\n{body}"
    )


def bomb(folder: Path, side: int) -> None:
    """A black one-bit PNG, compressed row by row (Pillow would hold it all in memory)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (side + 7) // 8)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    (folder / "images").mkdir(exist_ok=True)
    (folder / "images" / "bomb.png").write_bytes(png)
    (folder / "page.html").write_text('<img src="images/bomb.png">')


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        five = lessons(5000)
        print(f"5,000-lesson case file: {len(five.encode()):,} bytes", file=sys.stderr)
        results["5,000 lessons, default limits"] = measure(
            BUILD, project(tmp / "a", "", {"five-thousand": five})
        )
        results["5,000 lessons, max_elements: 30000"] = measure(
            BUILD, project(tmp / "b", "max_elements: 30000\n", {"five-thousand": five})
        )
        results["20,000-row table"] = measure(
            BUILD, project(tmp / "c", "", {"table": table(20_000)})
        )
        results["1 MB of '['"] = measure(
            BUILD,
            project(
                tmp / "d",
                "",
                {
                    "brackets": "title: B\nlessons: [{text: y}]\ncontext: |\n  "
                    + "[" * 900_000
                    + "\n"
                },
            ),
        )
        for side in (12_000, 20_000):
            case = "title: Bomb\ncontext: '![map](../images/bomb.png)'\nlessons: [{text: y}]\n"
            folder = project(tmp / f"bomb{side}", "", {"bomb": case})
            bomb(folder, side)
            results[f"{side:,}² PNG, casepress"] = measure(BUILD, folder)
            results[f"{side:,}² PNG, WeasyPrint unguarded"] = measure(UNGUARDED, folder)
    for name, result in results.items():
        print(f"{name}: {json.dumps(result, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
