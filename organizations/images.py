"""Uploaded pictures (folder floor plans): raster images only, decoded and re-encoded by Pillow.

An upload is served from our own origin, so anything a browser could run (SVG, HTML sniffed from
a "PNG") must never be stored. Decoding proves the content is the image it claims to be, and
re-encoding keeps only the pixels: no metadata, no trailing bytes, no polyglot.
"""

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

# MIME type -> (Pillow format, file extension).
RASTER_TYPES = {
    "image/png": ("PNG", ".png"),
    "image/jpeg": ("JPEG", ".jpg"),
    "image/webp": ("WEBP", ".webp"),
}
FORMAT_TYPES = {fmt: mime for mime, (fmt, _) in RASTER_TYPES.items()}
MAX_PIXELS = 64_000_000  # a floor plan is big, but a decompression bomb is bigger
_MODES = {"JPEG": ("L", "RGB", "CMYK"), "PNG": ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16")}


class NotAnImage(ValueError):
    """The content is not a PNG, JPEG or WebP picture of the type it claims."""


def raster_reencode(content: bytes, mime_type: str) -> tuple[bytes, str]:
    """(re-encoded bytes, file extension) of a `mime_type` picture; NotAnImage otherwise."""
    if mime_type not in RASTER_TYPES:
        raise NotAnImage(f"mime_type must be one of {', '.join(RASTER_TYPES)}")
    fmt, extension = RASTER_TYPES[mime_type]
    image = _decode(content, formats=(fmt,), what=f"an {mime_type} image")
    image = ImageOps.exif_transpose(image)  # the orientation tag goes with the metadata
    if image.mode not in _MODES.get(fmt, ("RGB", "RGBA")):
        image = image.convert("RGBA" if "A" in image.getbands() and fmt != "JPEG" else "RGB")
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue(), extension


def raster_type(handle) -> str | None:
    """The MIME type of a stored picture whose header is PNG, JPEG or WebP, else None.

    For files stored before uploads were re-encoded. The header is enough here: served as that
    type with `nosniff` and a sandbox CSP, a polyglot is only ever shown as a picture.
    """
    try:
        with Image.open(handle, formats=tuple(FORMAT_TYPES)) as image:
            return FORMAT_TYPES.get(image.format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None


def _decode(content: bytes, *, formats: tuple[str, ...], what: str = "a PNG, JPEG or WebP image"):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(content), formats=formats)
            if image.width * image.height > MAX_PIXELS:
                raise NotAnImage(f"the image has more than {MAX_PIXELS // 1_000_000} million pixels")
            image.load()  # decodes every pixel: a truncated or corrupt file fails here
    except NotAnImage:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise NotAnImage(f"the content is not {what}") from None
    except Image.DecompressionBombWarning:
        raise NotAnImage("the image is too large to decode") from None
    return image
