"""Small files for tests of uploads and of the pages that show them."""

from __future__ import annotations

import html
import io
import re

from PIL import Image

_IMG = re.compile(r'<img\b[^>]*\bsrc="([^"]+)"[^>]*\balt="([^"]*)"')


def jpeg(colour: tuple[int, int, int] = (36, 99, 180), size: tuple[int, int] = (40, 30)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, colour).save(output, format="JPEG")
    return output.getvalue()


def image_sources(page: str, *, alt: str) -> list[str]:
    """The src of every <img> on ``page`` whose alt text starts with ``alt``, unescaped."""
    return [html.unescape(src) for src, text in _IMG.findall(page) if html.unescape(text).startswith(alt)]
