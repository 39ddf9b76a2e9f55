"""Backups sealed with a passphrase: the backup zip inside AES-256-GCM, the key from scrypt.

The file (all integers big-endian; docs/privacy.md has the same table):

    offset  size  field
    0       8     magic b"QMCBAKE1" (Quầy Một Cửa backup, encrypted, version 1)
    8       1     key derivation: 1 = scrypt
    9       1     log2 of scrypt's N (17)
    10      1     scrypt's r (8)
    11      1     scrypt's p (1)
    12      16    salt, random for each file
    28      4     chunk size S in bytes (1 MiB)
    32      16    check: the AES-GCM tag of the empty message under nonce 12 × 0xFF
    48      ...   the chunks: the zip cut into pieces of S bytes (the last one shorter, empty
                  only for an empty zip), each AES-GCM ciphertext + 16-byte tag, its nonce
                  the chunk number (8 bytes) then 1 for the last chunk, else 0 (4 bytes)

key = scrypt(the passphrase in Unicode NFC as UTF-8, salt, N, r, p) → 32 bytes (AES-256).
Every AES-GCM call takes bytes 0-31 as associated data, so a changed header fails too.

A wrong passphrase fails the check before anything is decrypted. A changed, reordered or
cut chunk fails its tag, and a file cut at a chunk boundary lacks its last-chunk flag:
either way the file is refused as damaged, never restored in part.
"""

from __future__ import annotations

import os
import struct
import unicodedata
from pathlib import Path
from typing import BinaryIO

from counter_app.errors import ValidationError
from counter_app.i18n import _

PASSPHRASE_ENV = "COUNTER_APP_BACKUP_PASSPHRASE"
"""Where a scheduled backup finds its passphrase (the command line and automatic backups)."""
MAGIC = b"QMCBAKE1"
KDF_SCRYPT = 1
SCRYPT_LOG2_N = 17  # 128 MiB and about half a second per derivation
SCRYPT_R = 8
SCRYPT_P = 1
CHUNK_BYTES = 1024 * 1024
TAG_BYTES = 16
HEADER = struct.Struct(">8sBBBB16sI")
CHECK_NONCE = b"\xff" * 12
MIN_PASSPHRASE_CHARS = 8
MAX_KDF_MEMORY = 1024 * 1024 * 1024
"""A file asking scrypt for more memory than this is refused, not obeyed."""


def is_sealed(path: Path) -> bool:
    """Does the file start like a sealed backup?"""
    try:
        with path.open("rb") as handle:
            return handle.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE_CHARS:
        raise ValidationError(
            _("Mật khẩu sao lưu cần ít nhất {n} ký tự.").format(n=MIN_PASSPHRASE_CHARS)
        )


def _key(passphrase: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(secret)


def _nonce(counter: int, last: bool) -> bytes:
    return struct.pack(">QI", counter, 1 if last else 0)


class SealingWriter:
    """A write-only stream that seals what is written into `out` (zipfile writes into it).

    Call `finish()` after the last write: it writes the last chunk.
    """

    def __init__(self, out: BinaryIO, passphrase: str) -> None:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        check_passphrase(passphrase)
        salt = os.urandom(16)
        self._header = HEADER.pack(
            MAGIC, KDF_SCRYPT, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P, salt, CHUNK_BYTES
        )
        self._aead = AESGCM(_key(passphrase, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P))
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        self._position = 0
        out.write(self._header + self._aead.encrypt(CHECK_NONCE, b"", self._header))

    def _emit(self, chunk: bytes, *, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._counter, last), chunk, self._header))
        self._counter += 1

    def write(self, data: bytes, /) -> int:
        self._buffer += data
        self._position += len(data)
        while len(self._buffer) > CHUNK_BYTES:  # not `>=`: the last chunk must stay behind
            self._emit(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        """Nothing: the stream under it belongs to the caller, and `finish` ends the data."""

    def finish(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()
        self._out.flush()


def unseal(source: BinaryIO, passphrase: str, out: BinaryIO) -> None:
    """Decrypt a sealed backup from `source` into `out`; a wrong passphrase or a damaged
    file raises ValidationError (what `out` got so far is then for the caller to drop)."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    damaged = ValidationError(_("Tệp sao lưu mã hóa bị hỏng hoặc không trọn vẹn."))
    head = source.read(HEADER.size + TAG_BYTES)
    if len(head) < HEADER.size + TAG_BYTES:
        raise damaged
    header = head[: HEADER.size]
    magic, kdf, log2_n, r, p, salt, chunk_bytes = HEADER.unpack(header)
    if (
        magic != MAGIC
        or kdf != KDF_SCRYPT
        or not (1 <= log2_n <= 30 and 1 <= r <= 64 and 1 <= p <= 16)
        or 128 * r * p * 2**log2_n > MAX_KDF_MEMORY
        or not 1024 <= chunk_bytes <= 64 * CHUNK_BYTES
    ):
        raise ValidationError(_("Tệp sao lưu mã hóa có tham số chương trình này không đọc được."))
    aead = AESGCM(_key(passphrase, salt, log2_n, r, p))
    try:
        aead.decrypt(CHECK_NONCE, head[HEADER.size :], header)
    except InvalidTag:
        raise ValidationError(_("Sai mật khẩu sao lưu.")) from None
    whole = chunk_bytes + TAG_BYTES
    counter = 0
    current = source.read(whole)
    while True:
        following = source.read(whole) if len(current) == whole else b""
        last = not following
        try:
            out.write(aead.decrypt(_nonce(counter, last), current, header))
        except InvalidTag:
            raise damaged from None
        if last:
            return
        current = following
        counter += 1
