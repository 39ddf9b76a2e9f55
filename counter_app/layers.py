"""The layer table: which part of the program may import which.

Layers point only down: the foundation, then the domain, the store, the kernel, the
feature slices, and on top the command line and the desktop interface (`ui`). A slice
uses another slice only along an edge written in `SLICE_EDGES`. `tests/unit/test_layers.py`
reads every import of every module (at module level and inside functions) and fails on
anything this table does not allow, and on any cycle between parts.

A part is a top-level module of `counter_app` (`counter_app.errors`), a package of it
(`counter_app.kernel`), or `ui`. This module imports nothing, so anything may read it.
"""

from __future__ import annotations

# Error types, translation, bundled resources, atomic file writes, the version number.
FOUNDATION: frozenset[str] = frozenset(
    {
        "counter_app",
        "counter_app.errors",
        "counter_app.i18n",
        "counter_app.resources",
        "counter_app.files",
        "counter_app.layers",
    }
)

# The foundation itself points down too: i18n reads resources, files speaks through i18n.
FOUNDATION_EDGES: dict[str, frozenset[str]] = {
    "counter_app": frozenset(),
    "counter_app.layers": frozenset(),
    "counter_app.errors": frozenset(),
    "counter_app.resources": frozenset(),
    "counter_app.i18n": frozenset({"counter_app.resources"}),
    "counter_app.files": frozenset({"counter_app.errors", "counter_app.i18n"}),
}

DOMAIN = "counter_app.domain"  # pure rules: lifecycle, codes, calendar, applicants, catalog
STORE = "counter_app.store"  # SQLAlchemy models, engine, migrations, search
KERNEL = "counter_app.kernel"  # context, clock, users, settings, event chain, dossier store

BELOW_SLICES: frozenset[str] = FOUNDATION | {DOMAIN, STORE, KERNEL}

# Feature slices and the other slices each may use (besides everything below the slices).
SLICE_EDGES: dict[str, frozenset[str]] = {
    "counter_app.calendar": frozenset(),  # the office's holiday table
    "counter_app.scanning": frozenset(),  # scanners, image clean-up, page store, watched folder
    "counter_app.documents": frozenset({"counter_app.scanning"}),  # forms, book, receipt QR
    "counter_app.guidance": frozenset({"counter_app.documents"}),  # online-filing guidance
    "counter_app.dossiers": frozenset(  # intake (into the tracking book), moves, deadlines
        {"counter_app.guidance", "counter_app.documents"}
    ),
    "counter_app.payments": frozenset(  # fees, VietQR, the fee slip
        {"counter_app.dossiers", "counter_app.documents", "counter_app.guidance"}
    ),
    "counter_app.reports": frozenset(  # Biểu 06, indicators, online share, dashboard data
        {
            "counter_app.documents",
            "counter_app.guidance",
            "counter_app.dossiers",
            "counter_app.payments",
        }
    ),
    # outbox, protocol, client, provincial exporter; dossiers: online filings pulled in
    "counter_app.sync": frozenset({"counter_app.dossiers"}),
    "counter_app.maintenance": frozenset({"counter_app.documents"}),  # verify, backup, restore
    "counter_app.demo": frozenset(  # believable data through the real use cases
        {
            "counter_app.dossiers",
            "counter_app.guidance",
            "counter_app.payments",
            "counter_app.scanning",
        }
    ),
}

# The hub (the province's receiver) shares only the event chain, the store engine and the
# wire records with the counter, and for its commands the command-line helpers and the data
# directory: these modules, not their packages.
HUB = "counter_app.hub"
HUB_MODULES: frozenset[str] = frozenset(
    {
        "counter_app.kernel.events",
        "counter_app.kernel.day",
        "counter_app.kernel.page_files",
        "counter_app.sync.protocol",
        "counter_app.sync.portal_check",
        "counter_app.kernel.commands",
        "counter_app.kernel.context",
        # `hub demo`: the counter demo's names, mixes and office hours, not a second set.
        "counter_app.demo.generator",
        # The dashboard's province report: the counter's Biểu 06 code, run on hub data.
        "counter_app.reports.sql",
        "counter_app.reports.periodic",
        "counter_app.reports.forms",
    }
)

CLI = "counter_app.cli"  # the composition root of the command line: may use every part
UI = "ui"  # the desktop interface: every part but the command line and the hub

# Imports of project modules inside functions, outside the command-line and ui entry
# points. Each has its reason; this list may only shrink.
LAZY_IMPORTS: dict[tuple[str, str], str] = {
    ("counter_app.kernel.commands", "counter_app.kernel.context"): "`--version` loads no database",
    ("counter_app.kernel.commands", "counter_app.kernel.users"): "`--version` loads no database",
    ("counter_app.kernel.context", "counter_app.kernel.catalog"): "the catalog needs users",
    ("counter_app.scanning.devices", "counter_app.scanning.escl"): "optional backend",
    ("counter_app.scanning.devices", "counter_app.scanning.sane_backend"): "optional backend",
    ("counter_app.scanning.devices", "counter_app.scanning.twain"): "optional backend",
    ("counter_app.scanning.devices", "counter_app.scanning.wia"): "optional backend",
    ("counter_app.documents.receipt_qr", "counter_app.scanning.files"): "PDF reader on demand",
    ("counter_app.payments.slip", "counter_app.documents.layout"): "reportlab at first PDF",
    ("counter_app.reports.forms", "counter_app.documents.layout"): "reportlab at first PDF",
    ("counter_app.guidance.sheet", "counter_app.documents.layout"): "reportlab at first PDF",
}


def part_of(module: str) -> str:
    """The part a module belongs to: `counter_app.kernel.events` -> `counter_app.kernel`."""
    names = module.split(".")
    if names[0] == UI:
        return UI
    return ".".join(names[:2])


def allowed(importer: str, imported: str) -> bool:
    """May module `importer` import module `imported`?"""
    source, target = part_of(importer), part_of(imported)
    if source == target:
        return True
    if source in FOUNDATION_EDGES:
        return target in FOUNDATION_EDGES[source]
    if source == DOMAIN:
        return target in FOUNDATION
    if source == STORE:
        return target in FOUNDATION or target == DOMAIN
    if source == KERNEL:
        return target in FOUNDATION or target in {DOMAIN, STORE}
    if source in SLICE_EDGES:
        return target in BELOW_SLICES or target in SLICE_EDGES[source]
    if source == HUB:
        return target in FOUNDATION or target in {DOMAIN, STORE} or imported in HUB_MODULES
    if source == CLI:
        return target != UI
    if source == UI:
        return target not in {CLI, HUB}
    return False


def is_entry_point(module: str) -> bool:
    """Command-line and ui modules, where imports inside functions keep start-up light."""
    return part_of(module) in {CLI, UI} or module.endswith(".cli")
