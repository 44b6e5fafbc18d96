"""Image checks shared by the task dialects: data-URI parsing and format/size sniffing.

The doubles look at image bytes only to refuse what the real services refuse (undecodable
data, wrong prefix, sides or aspect out of range); nothing is ever stored or logged.
"""

import base64
import binascii
import re
import struct

DATA_URI_RE = re.compile(r"data:([^;,]*);base64,(.*)", re.S)


def parse_data_uri(url):
    """(declared MIME, raw bytes) of a base64 data URI; ValueError says what is wrong."""
    m = DATA_URI_RE.fullmatch(url)
    if not m:
        raise ValueError("not a base64 data URI (data:<mime>;base64,<data>)")
    try:
        raw = base64.b64decode(re.sub(r"\s+", "", m.group(2)), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the base64 data cannot be decoded") from None
    if not raw:
        raise ValueError("the data URI holds no data")
    return m.group(1), raw


def sniff(raw):
    """(format, width, height) from the file header, or None if it is no known image.
    Width/height are None where the format is known but the header is not parsed (tiff)."""
    try:
        if raw.startswith(b"\x89PNG\r\n\x1a\n") and raw[12:16] == b"IHDR":
            w, h = struct.unpack(">II", raw[16:24])
            return "png", w, h
        if raw.startswith(b"\xff\xd8\xff"):
            return ("jpeg",) + _jpeg_size(raw)
        if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
            return ("webp",) + _webp_size(raw)
        if raw[:6] in (b"GIF87a", b"GIF89a"):
            w, h = struct.unpack("<HH", raw[6:10])
            return "gif", w, h
        if raw[:2] == b"BM" and len(raw) >= 26:
            w, h = struct.unpack("<ii", raw[18:26])
            return "bmp", w, abs(h)
        if raw[:4] in (b"II*\x00", b"MM\x00*"):
            return "tiff", None, None
    except (struct.error, ValueError):
        return None
    return None


def _jpeg_size(raw):
    i = 2
    while i + 9 < len(raw):
        if raw[i] != 0xFF:
            raise ValueError("bad JPEG marker")
        marker = raw[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        length = struct.unpack(">H", raw[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", raw[i + 5:i + 9])
            return w, h
        i += 2 + length
    raise ValueError("no JPEG frame header")


def _webp_size(raw):
    kind = raw[12:16]
    if kind == b"VP8 ":
        w, h = struct.unpack("<HH", raw[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if kind == b"VP8L":
        b = raw[21:25]
        w = 1 + (((b[1] & 0x3F) << 8) | b[0])
        h = 1 + (((b[3] & 0x0F) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return w, h
    if kind == b"VP8X":
        w = 1 + int.from_bytes(raw[24:27], "little")
        h = 1 + int.from_bytes(raw[27:30], "little")
        return w, h
    raise ValueError("unknown WebP chunk")
