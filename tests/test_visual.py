"""The exports as a reader sees them: PDF pages (pdflatex, then pdftoppm) and HTML pages (headless
Chromium) rendered to images and compared with reviewed images in tests/visual/.

The comparison tolerates font hinting and anti-aliasing: both images are made grey and blurred a little,
and a pixel counts as changed only when no pixel of the other image within one pixel of it comes within
CHANGED_LEVEL of it. A page differs when the changed pixels exceed CHANGED_SHARE of the reference's ink.
A one-pixel shift, softer or sharper or darker glyphs change nothing; a spaced-out formula, a raw
formula, a lost figure or a moved caption changes far more. After an intended change of rendering:
SYMDL_UPDATE_VISUAL=1 pytest tests/test_visual.py, then look at the new images before committing them.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from symdl.export import export

REFERENCES = Path(__file__).parent / "visual"
UPDATE = os.environ.get("SYMDL_UPDATE_VISUAL") == "1"
CHANGED_LEVEL = 48  # of 255
CHANGED_SHARE = 0.05  # of the reference's ink
PDF_DPI = 50
SCREEN = (800, 900)
PDFLATEX, PDFTOPPM = shutil.which("pdflatex"), shutil.which("pdftoppm")
CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)


def _unexplained(image: Image.Image, other: Image.Image) -> int:
    """Pixels of ``image`` that no pixel of ``other`` within one pixel of them matches."""
    low = np.asarray(other.filter(ImageFilter.MinFilter(3)), dtype=float)
    high = np.asarray(other.filter(ImageFilter.MaxFilter(3)), dtype=float)
    values = np.asarray(image, dtype=float)
    return int(((values < low - CHANGED_LEVEL) | (values > high + CHANGED_LEVEL)).sum())


def changed_share(image: Image.Image, reference: Image.Image) -> float:
    """The changed pixels of the two images, as a share of the reference's ink."""
    seen = ImageOps.grayscale(image).resize(reference.size, Image.LANCZOS)
    wanted = ImageOps.grayscale(reference)
    ink = max(int((np.asarray(wanted) < 128).sum()), 1)
    seen, wanted = (i.filter(ImageFilter.GaussianBlur(1.0)) for i in (seen, wanted))
    return max(_unexplained(seen, wanted), _unexplained(wanted, seen)) / ink


def compare(image: Image.Image, name: str) -> None:
    path = REFERENCES / f"{name}.png"
    if UPDATE or not path.exists():
        ImageOps.grayscale(image).save(path, optimize=True)
        if not UPDATE:
            pytest.fail(f"no reviewed image {path.name} yet: one was written; look at it and commit it")
    share = changed_share(image, Image.open(path))
    assert share <= CHANGED_SHARE, (f"{name}: {share:.1%} of the ink changed (the bar is {CHANGED_SHARE:.0%}); "
                                    f"if the change is intended, rewrite with SYMDL_UPDATE_VISUAL=1 and review")


def test_the_comparison_tolerates_hinting_and_sees_a_real_change():
    reference = Image.open(REFERENCES / "tanh-sigmoid-html.png")
    assert changed_share(reference, reference) == 0
    nudged = Image.new("L", reference.size, 255)
    nudged.paste(reference.crop((0, 0, reference.width - 1, reference.height)), (1, 0))
    for same in (nudged, reference.filter(ImageFilter.GaussianBlur(0.6)), reference.filter(ImageFilter.SHARPEN),
                 reference.point(lambda v: max(0, v - 30))):
        assert changed_share(same, reference) <= CHANGED_SHARE / 5
    moved = Image.new("L", reference.size, 255)
    moved.paste(reference.crop((0, 300, reference.width, reference.height)), (4, 300))
    moved.paste(reference.crop((0, 0, reference.width, 300)), (0, 0))
    assert changed_share(moved, reference) > CHANGED_SHARE  # the lower part, 4 px to the right
    blotted = reference.copy()
    ImageDraw.Draw(blotted).rectangle((60, 200, 300, 230), fill=0)
    assert changed_share(blotted, reference) > CHANGED_SHARE


@pytest.fixture(scope="module")
def residual_block_pages(tmp_path_factory):
    if PDFLATEX is None or PDFTOPPM is None:
        pytest.skip("pdflatex and pdftoppm (poppler-utils) are needed")
    folder = tmp_path_factory.mktemp("pdf")
    tex = export(["residual-block"], "tex", folder / "block.tex")[0]
    for _ in range(2):  # the second run settles the float placement
        subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", tex.name], cwd=folder,
                       capture_output=True, timeout=300, check=True)
    subprocess.run([PDFTOPPM, "-r", str(PDF_DPI), "-gray", "-png", "block.pdf", "page"], cwd=folder, check=True,
                   timeout=120)
    return {int(p.stem.split("-")[-1]): Image.open(p) for p in folder.glob("page-*.png")}


@pytest.mark.parametrize("page", [1, 5])
def test_pdf_pages(residual_block_pages, page):
    """Page 1: statement, assumptions, the first steps with their rules. Page 5: the computation graph
    with its caption."""
    compare(residual_block_pages[page], f"residual-block-page-{page}")


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("name", ["tanh-sigmoid", "forward-pass"])
def test_html_pages(name, tmp_path):
    """tanh-sigmoid: fences, primes, signs; forward-pass: matrices and their brackets."""
    page = export([name], "html", tmp_path / f"{name}.html")[0]
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--force-device-scale-factor=1", f"--window-size={SCREEN[0]},{SCREEN[1]}",
                    f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=180, check=True)
    compare(Image.open(shot), f"{name}-html")
