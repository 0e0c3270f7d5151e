"""Benchmark of the memory and time it costs to open reporters' files (issue 10).

Run with ``python -m bench.attachments``. Each file is opened by ``reports.file_cleaner`` from
a fresh, small Python process, which prints the peak resident memory of the confined child it
started (a child's recorded peak includes what its parent held when it was spawned, so the
parent holds almost nothing) and the wall time. The last line opens three 7000 x 7000 PNGs at
once, as the review's three parallel uploads did, and prints the sum of the children's peaks.
No database or cache is needed; nothing is stored.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

from reports.attachments import (
    MAX_IMAGE_MEGAPIXELS,
    MAX_WEBP_MEGAPIXELS,
)

ROOT = Path(__file__).resolve().parents[1]
MEMORY_BYTES = 640 * 1024 * 1024
ORIENTATION = 0x0112

_OPEN_ONE = """
import json, resource, sys
from reports.file_cleaner import FileRefusedError, open_confined
data = open(sys.argv[1], 'rb').read()
try:
    open_confined(data, sys.argv[2], memory_bytes=int(sys.argv[3]), max_pixels=int(sys.argv[4]))
    outcome = 'cleaned'
except FileRefusedError as refused:
    outcome = 'refused: ' + refused.reason
print(json.dumps([outcome, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024]))
"""


def _image(mode: str, size: tuple[int, int], image_format: str, *, upright: bool = True) -> bytes:
    out = io.BytesIO()
    extra = {}
    if not upright:
        exif = Image.Exif()
        exif[ORIENTATION] = 6
        extra["exif"] = exif
    Image.new(mode, size, 0).save(out, format=image_format, **extra)
    return out.getvalue()


CASES: list[tuple[str, str, Callable[[], bytes]]] = [
    ("PNG 7000x7000 (the review's file)", "image/png", lambda: _image("RGB", (7000, 7000), "PNG")),
    (
        "JPEG 4000x3000, turned upright (a phone photo)",
        "image/jpeg",
        lambda: _image("RGB", (4000, 3000), "JPEG", upright=False),
    ),
    (
        "JPEG 8064x6048 (a 48 MP phone photo, scaled by 1/2)",
        "image/jpeg",
        lambda: _image("RGB", (8064, 6048), "JPEG"),
    ),
    (
        "PNG RGBA 8000x5000, turned upright (the largest accepted)",
        "image/png",
        lambda: _image("RGBA", (8000, 5000), "PNG", upright=False),
    ),
    (
        "WebP 6000x4000 (the largest accepted WebP)",
        "image/webp",
        lambda: _image("RGB", (6000, 4000), "WEBP"),
    ),
    ("WebP 16000x16000", "image/webp", lambda: _image("RGB", (16000, 16000), "WEBP")),
]


def _start(path: Path, content_type: str) -> subprocess.Popen[bytes]:
    megapixels = MAX_WEBP_MEGAPIXELS if content_type == "image/webp" else MAX_IMAGE_MEGAPIXELS
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            _OPEN_ONE,
            str(path),
            content_type,
            str(MEMORY_BYTES),
            str(megapixels * 1_000_000),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )


def _result(process: subprocess.Popen[bytes]) -> tuple[str, float]:
    stdout, _stderr = process.communicate()
    outcome, peak = json.loads(stdout)
    return str(outcome), float(peak)


def main() -> None:
    print(f"child address space {MEMORY_BYTES // 2**20} MB")
    with tempfile.TemporaryDirectory() as directory:
        for label, content_type, make in CASES:
            path = Path(directory) / "file"
            data = make()
            path.write_bytes(data)
            started = time.perf_counter()
            outcome, peak = _result(_start(path, content_type))
            seconds = time.perf_counter() - started
            print(
                f"{label}: {len(data) / 1024:.0f} KB, {outcome}, "
                f"child peak {peak:.0f} MB, {seconds:.2f} s"
            )
        path = Path(directory) / "bomb"
        path.write_bytes(_image("RGB", (7000, 7000), "PNG"))
        started = time.perf_counter()
        results = [_result(p) for p in [_start(path, "image/png") for _ in range(3)]]
        print(
            f"three 7000x7000 PNGs at once: {', '.join(o for o, _p in results)}; children's "
            f"peaks together {sum(p for _o, p in results):.0f} MB, "
            f"{time.perf_counter() - started:.2f} s"
        )


if __name__ == "__main__":
    main()
