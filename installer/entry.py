"""Entry point of the frozen application (PyInstaller bundles this script)."""

import os
import sys

if sys.platform != "win32" and not any(os.environ.get(v) for v in ("LC_ALL", "LC_CTYPE", "LANG")):
    # What `python` itself does on the "C" locale (PEP 538), which the frozen program's
    # bootloader does not: Qt wants a UTF-8 locale and warns on the C one.
    os.environ["LC_CTYPE"] = "C.UTF-8"

from counter_app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
