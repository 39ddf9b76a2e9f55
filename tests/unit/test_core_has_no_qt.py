"""The core never imports Qt or the ui package (layers point only downward)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import counter_app


def test_importing_every_core_module_loads_no_qt() -> None:
    names = [m.name for m in pkgutil.walk_packages(counter_app.__path__, "counter_app.")]
    names = [n for n in names if ".migrations" not in n]
    assert len(names) > 15
    script = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "roots = ('PySide6', 'shiboken6', 'ui')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
