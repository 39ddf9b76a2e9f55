"""Pages from files: image and PDF import, and the watched scan-to-folder.

Many office scanners can only save to a shared folder. `WatchedFolder` picks up a file
once its size has stopped changing, hands its pages on, and moves it to `done/` (or to
`rejected/` with the reason beside it), so nothing is imported twice or lost.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from counter_app.errors import CounterError, ValidationError
from counter_app.i18n import _
from counter_app.scanning.devices import CancelToken
from counter_app.scanning.images import (
    MAX_PIXELS,
    MAX_SIDE,
    check_image,
    open_images,
    read_image_file,
)

PDF_RENDER_DPI = 200
"""Imported PDF pages are rendered at this resolution (typed text stays sharp)."""
MAX_PDF_PAGES = 500
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".webp"})
PDF_SUFFIXES = frozenset({".pdf"})
IMPORTABLE_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES
DONE_DIR = "done"
REJECTED_DIR = "rejected"


def _pdf_pages(
    data: bytes, name: str, dpi: int = PDF_RENDER_DPI, max_pages: int = MAX_PDF_PAGES
) -> list[Image.Image]:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ValidationError(
                _("Tệp PDF {name} có mật khẩu; hãy gỡ mật khẩu rồi nhập lại.").format(name=name)
            ) from None
        raise ValidationError(
            _("Tệp PDF {name} bị hỏng hoặc không đọc được.").format(name=name)
        ) from None
    try:
        if len(document) == 0:
            raise ValidationError(_("Tệp PDF {name} không có trang nào.").format(name=name))
        if len(document) > max_pages:
            raise ValidationError(_("Tệp {name} có quá nhiều trang.").format(name=name))
        images = []
        scale = dpi / 72
        for page in document:
            width, height = page.get_size()
            pixels_w, pixels_h = round(width * scale), round(height * scale)
            if pixels_w > MAX_SIDE or pixels_h > MAX_SIDE or pixels_w * pixels_h > MAX_PIXELS:
                raise ValidationError(
                    _("Trang PDF trong {name} quá lớn để quét lại.").format(name=name)
                )
            image = page.render(scale=scale, grayscale=False).to_pil()
            image.info["dpi"] = (dpi, dpi)
            images.append(image)
        return images
    finally:
        document.close()


def load_file(
    path: Path, *, pdf_dpi: int = PDF_RENDER_DPI, max_pdf_pages: int = MAX_PDF_PAGES
) -> list[Image.Image]:
    """Every page of an image or PDF file, checked; raises ValidationError for a bad file."""
    suffix = path.suffix.lower()
    if suffix not in IMPORTABLE_SUFFIXES:
        raise ValidationError(
            _("Không nhập được tệp {name}: chỉ nhận ảnh (JPEG, PNG, TIFF) và PDF.").format(
                name=path.name
            )
        )
    data = read_image_file(path)
    if suffix in PDF_SUFFIXES or data.startswith(b"%PDF"):
        return _pdf_pages(data, path.name, pdf_dpi, max_pdf_pages)
    images = list(open_images(data, path.name))
    for image in images:
        check_image(image)
    return images


@dataclass
class WatchedFolder:
    """A folder a scanner saves into; `poll()` returns files that have finished arriving."""

    path: Path
    _sizes: dict[Path, tuple[int, float]] = field(default_factory=dict)

    def _candidates(self) -> list[Path]:
        try:
            entries = sorted(self.path.iterdir(), key=lambda p: (p.stat().st_mtime, p.name))
        except OSError as exc:
            raise ValidationError(
                _("Không đọc được thư mục quét {path}: {error}").format(
                    path=self.path, error=exc.strerror
                )
            ) from exc
        return [
            entry
            for entry in entries
            if entry.is_file()
            and not entry.name.startswith(".")
            and entry.suffix.lower() in IMPORTABLE_SUFFIXES
        ]

    def poll(self) -> list[Path]:
        """Files whose size did not change since the previous poll (the scanner is done)."""
        ready = []
        seen: dict[Path, tuple[int, float]] = {}
        for entry in self._candidates():
            stat = entry.stat()
            now = (stat.st_size, stat.st_mtime)
            if stat.st_size > 0 and self._sizes.get(entry) == now:
                ready.append(entry)
            seen[entry] = now
        self._sizes = seen
        return ready

    def _move(self, entry: Path, folder: str) -> Path:
        target_dir = self.path / folder
        target_dir.mkdir(exist_ok=True)
        target = target_dir / entry.name
        counter = 1
        while target.exists():
            target = target_dir / f"{entry.stem}-{counter}{entry.suffix}"
            counter += 1
        shutil.move(str(entry), target)
        return target

    @property
    def waiting(self) -> bool:
        """True while a file seen by the last poll is still being written."""
        return bool(self._sizes)

    def process(
        self,
        handle: Callable[[list[Image.Image], Path], None],
        rejected: Callable[[Path, str], None] | None = None,
    ) -> list[Path]:
        """Hand each ready file's pages to `handle`; move it to done/ or rejected/.

        `rejected(moved_path, reason)` hears of each refused file.
        """
        handled = []
        for entry in self.poll():
            try:
                handle(load_file(entry), entry)
            except CounterError as error:
                moved = self._move(entry, REJECTED_DIR)
                moved.with_name(moved.name + ".txt").write_text(error.message + "\n", "utf-8")
                self._sizes.pop(entry, None)
                if rejected is not None:
                    rejected(moved, error.message)
                continue
            handled.append(self._move(entry, DONE_DIR))
            self._sizes.pop(entry, None)
        return handled

    def watch(
        self,
        handle: Callable[[list[Image.Image], Path], None],
        cancel: CancelToken,
        *,
        interval: float = 1.0,
        limit: int | None = None,
    ) -> int:
        """Poll until cancelled (or `limit` files were handled); returns the count."""
        count = 0
        while not cancel.cancelled:
            count += len(self.process(handle))
            if limit is not None and count >= limit:
                break
            time.sleep(interval)
        return count
