"""Reading text files exactly: UTF-8, BOM dropped, nothing else changed."""

from __future__ import annotations

import codecs
import os

from annotator.core.errors import InputError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def line_of(data: bytes, index: int) -> int:
    """1-based line number of byte `index` in `data`."""
    return data.count(b"\n", 0, index) + 1


def decode_utf8(data: bytes, path: str | os.PathLike) -> str:
    """Decode a whole file as UTF-8, keeping every character as it is.

    Only a leading UTF-8 BOM is dropped. Line endings (CRLF, lone CR),
    NBSP, U+2028/2029 and the rest are kept, because span offsets point
    into exactly this text.
    """
    if data.startswith(_UTF16_BOMS):
        raise InputError(path, 1, "file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                                  "save it as UTF-8 and import it again")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    nul = data.find(b"\x00")
    if nul != -1:
        raise InputError(path, line_of(data, nul), f"file contains NUL bytes: {binary_hint(data)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = line_of(data, e.start)
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise InputError(
            path, line,
            f"not valid UTF-8 (byte 0x{data[e.start]:02x} at byte {column} of the line); "
            "save the file as UTF-8 and import it again",
        ) from None


def binary_hint(data: bytes) -> str:
    """What a file holding NUL bytes probably is, said so a user can act on it."""
    if _looks_like_utf16(data):
        return "it looks like UTF-16 without a byte-order mark; save it as UTF-8"
    return "it looks like a binary file, not text"


def _looks_like_utf16(data: bytes) -> bool:
    sample = data[:4096]
    if len(sample) < 4:
        return False
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) // 2
    return max(even_nuls, odd_nuls) > half * 0.3 and min(even_nuls, odd_nuls) < half * 0.05


def read_bytes(path: str | os.PathLike) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise InputError(path, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, None, "is a folder, not a file") from None
    except OSError as e:
        raise InputError(path, None, f"cannot be read: {e.strerror or e}") from None
