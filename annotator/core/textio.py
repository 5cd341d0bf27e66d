"""Reading text files exactly: UTF-8, BOM dropped, nothing else changed."""

from __future__ import annotations

import codecs
import os
import stat

from annotator.core.errors import InputError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Decoding a file takes several times its size in memory: past this, a file
# is refused with a message rather than ending in a MemoryError.
MAX_FILE_BYTES = 1 << 30
# O_NONBLOCK is not on Windows, which has no FIFOs to block on; O_BINARY only is.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_BINARY = getattr(os, "O_BINARY", 0)


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


def read_head(path: str | os.PathLike, n: int = 65536) -> bytes:
    """The first `n` bytes of a regular file (to tell its format), with
    read_bytes's refusals of pipes, devices and folders."""
    return read_bytes(path, limit=n)


def read_bytes(path: str | os.PathLike, limit: int | None = None) -> bytes:
    """The whole of a regular file (symlinks followed), or an InputError.

    Pipes, devices, sockets and folders are refused before any reading: a
    FIFO would block for ever and /dev/zero never ends. So are files over
    MAX_FILE_BYTES, which would exhaust memory when decoded.
    """
    with open_regular(path) as f:
        try:
            if limit is not None:
                return f.read(limit)
            _check_size(path, os.fstat(f.fileno()).st_size)
            data = f.read()
        except OSError as e:
            raise InputError(path, None, f"cannot be read: {e.strerror or e}") from None
    _check_size(path, len(data))  # it may have grown while being read
    return data


def open_regular(path: str | os.PathLike):
    """A regular file (symlinks followed) opened for reading in binary, for
    readers that stream it line by line (so no size limit: a line-by-line
    reader holds one line at a time; read_bytes reads it whole). Refuses
    pipes, devices, sockets and folders before reading."""
    try:
        _check_kind(path, os.stat(path).st_mode)
        # O_NONBLOCK: opening a FIFO swapped in since the stat would otherwise
        # wait for a writer; fstat then checks what was really opened.
        fd = os.open(path, os.O_RDONLY | _NONBLOCK | _BINARY)
    except FileNotFoundError:
        raise InputError(path, None, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, None, "is a folder, not a file") from None
    except OSError as e:
        raise InputError(path, None, f"cannot be read: {e.strerror or e}") from None
    f = os.fdopen(fd, "rb", buffering=1 << 20)
    try:
        _check_kind(path, os.fstat(fd).st_mode)
    except BaseException:
        f.close()
        raise
    return f


def too_long(path: str | os.PathLike, line: int, limit: int) -> InputError:
    """A line past `limit` bytes (a streaming reader's bound on what it holds)."""
    return InputError(path, line, f"the line is over {_size(limit)}; annotator imports files of up to "
                                  f"{_size(limit)} a line (a document each); split the document")


def _check_kind(path: str | os.PathLike, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise InputError(path, None, "is a folder, not a file")
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "a special file")
    target = f" (it links to {os.path.realpath(path)})" if os.path.islink(path) else ""
    raise InputError(path, None, f"is {kind}{target}: only regular files can be imported")


def _check_size(path: str | os.PathLike, size: int) -> None:
    if size > MAX_FILE_BYTES:
        # Exact bytes too: a file just over the limit would otherwise read as "1 GiB".
        exact = f"{size:,} bytes" if size < 1024 else f"{size:,} bytes ({_size(size)})"
        raise InputError(path, None, f"is {exact}; annotator imports files of up to "
                                     f"{_size(MAX_FILE_BYTES)}; split it into smaller files")


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"
