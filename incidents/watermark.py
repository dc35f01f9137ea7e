"""The visible stamp on a stored photo, as a watermark camera puts it (水印相机): time, place,
cell code and worker, on a dark band along the bottom of the picture.

Chinese needs a CJK font: ``GRIDGOV_WATERMARK_FONT`` names one, else the first of
``FONT_CANDIDATES`` that exists (Debian's fonts-noto-cjk, installed by scripts/bootstrap.sh), else
what ``fc-match`` answers for a Simplified Chinese sans font. With none of them the stamp is drawn
with Pillow's built-in font, which has no Chinese glyphs: the stamp is then written with the
codes and Latin letters only, and a warning is logged once.
"""
from __future__ import annotations

import functools
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)


@functools.lru_cache(maxsize=1)
def font_path() -> str:
    """The CJK font file the stamp uses, or "" when there is none."""
    configured = getattr(settings, "GRIDGOV_WATERMARK_FONT", "")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:lang=zh-cn"], capture_output=True, text=True, timeout=5
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and "cjk" in found.lower() and Path(found).is_file():
            return found
    log.warning("No CJK font found (install fonts-noto-cjk or set GRIDGOV_WATERMARK_FONT): photo stamps are drawn without Chinese.")
    return ""


@functools.lru_cache(maxsize=16)
def _font(size: int):
    path = font_path()
    if path:
        try:  # in Noto's collections face 2 is Simplified Chinese
            return ImageFont.truetype(path, size, index=2 if path.endswith(".ttc") else 0)
        except OSError:
            return ImageFont.truetype(path, size)
    return ImageFont.load_default()


@dataclass(frozen=True)
class Stamp:
    when: str  # local time of filing, "2026-12-03 09:30"
    place: str  # the address, else the cell's or community's name
    cell_code: str
    worker: str

    def lines(self) -> list[str]:
        lines = [self.when, self.place, " · ".join(part for part in (self.cell_code, self.worker) if part)]
        lines = [line for line in lines if line]
        if not font_path():  # the built-in font has no Chinese: keep what it can draw
            lines = [line.encode("ascii", "replace").decode() for line in lines]
        return [line[:80] for line in lines]


STAMP_LINES = 3  # at most: time, place, cell code · worker


def band_height(image: Image.Image, count: int) -> int:
    size = max(12, image.width // 32)
    return count * int(size * 1.35) + size // 2


def stamp(image: Image.Image, mark: Stamp) -> Image.Image:
    """A copy of ``image`` with the stamp drawn on a translucent band at the bottom.

    Only the band is composited: blending a full-size overlay cost a 1600-px photo about as much
    CPU as decoding it, for pixels the stamp does not touch (every filing with a photo pays it)."""
    lines = mark.lines()
    size = max(12, image.width // 32)
    font = _font(size)
    stamped = image.convert("RGBA" if image.mode == "RGBA" else "RGB")  # a copy in the stored mode
    band = band_height(stamped, len(lines))
    top = max(0, stamped.height - band)
    box = (0, top, stamped.width, stamped.height)
    strip = stamped.crop(box).convert("RGBA")
    overlay = Image.new("RGBA", strip.size, (0, 0, 0, 150))
    draw = ImageDraw.Draw(overlay)
    y = stamped.height - band - top + size // 4
    for line in lines:
        draw.text((size // 2, y), line, font=font, fill=(255, 255, 255, 255))
        y += int(size * 1.35)
    stamped.paste(Image.alpha_composite(strip, overlay).convert(stamped.mode), box)
    stamped.info = {}
    return stamped
