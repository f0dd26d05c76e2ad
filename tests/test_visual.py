"""The exports as a reader sees them: PDF pages (pdflatex, then pdftoppm) and HTML pages (headless
Chromium) rendered to images and compared with reviewed images in tests/visual/.

The comparison tolerates font hinting and anti-aliasing: both images are made grey, brought to the
reference's size and blurred, and a page differs when more than CHANGED_SHARE of its pixels changed by
more than CHANGED_LEVEL. A raw formula, a lost figure, a reflowed paragraph or a moved caption changes far
more. After an intended change of rendering: SYMDL_UPDATE_VISUAL=1 pytest tests/test_visual.py, then look
at the new images before committing them.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from symdl.export import export

REFERENCES = Path(__file__).parent / "visual"
UPDATE = os.environ.get("SYMDL_UPDATE_VISUAL") == "1"
CHANGED_LEVEL = 48  # of 255, after blurring
CHANGED_SHARE = 0.015
PDF_DPI = 50
SCREEN = (900, 1000)
PDFLATEX, PDFTOPPM = shutil.which("pdflatex"), shutil.which("pdftoppm")
CHROMIUM = next((shutil.which(c) for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None)


def changed_share(image: Image.Image, reference: Image.Image) -> float:
    """The share of the reference's pixels that differ visibly from ``image``."""
    seen = ImageOps.grayscale(image).resize(reference.size, Image.LANCZOS).filter(ImageFilter.GaussianBlur(1.5))
    wanted = ImageOps.grayscale(reference).filter(ImageFilter.GaussianBlur(1.5))
    histogram = ImageChops.difference(seen, wanted).histogram()
    return sum(histogram[CHANGED_LEVEL:]) / (reference.width * reference.height)


def compare(image: Image.Image, name: str, scale: float = 1.0) -> None:
    path = REFERENCES / f"{name}.png"
    if UPDATE or not path.exists():
        small = ImageOps.grayscale(image).resize((round(image.width * scale), round(image.height * scale)),
                                                 Image.LANCZOS)
        small.save(path, optimize=True)
        if not UPDATE:
            pytest.fail(f"no reviewed image {path.name} yet: one was written; look at it and commit it")
    reference = Image.open(path)
    share = changed_share(image, reference)
    assert share <= CHANGED_SHARE, (f"{name}: {share:.1%} of the page changed (the bar is {CHANGED_SHARE:.1%}); "
                                    f"if the change is intended, rewrite with SYMDL_UPDATE_VISUAL=1 and review")


def test_the_comparison_sees_a_real_change():
    """A moved block of text is a difference; the same page, re-rendered, is not."""
    reference = Image.open(REFERENCES / "residual-block-page-1.png")
    assert changed_share(reference, reference) == 0
    shifted = Image.new("L", reference.size, 255)
    shifted.paste(reference.crop((0, 0, reference.width, reference.height - 12)), (0, 12))
    assert changed_share(shifted, reference) > CHANGED_SHARE
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
    compare(Image.open(shot), f"{name}-html", scale=0.5)
