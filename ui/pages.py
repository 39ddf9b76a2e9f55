"""The main window's navigation pages: one registry every screen plugs into.

A page is `Page(key, title, factory, order)`: `factory(ctx, actor) -> QWidget` builds the
widget for the signed-in user (it is called again after a user switch or a language
change), `title` is a Vietnamese msgid translated when shown, `order` places it in the
navigation list.

To add or replace a page, call at import time of your module:

    from ui.pages import register_page
    register_page("sync", N_("Đồng bộ"), lambda ctx, actor: SyncView(ctx, actor), order=50)

Registering a key that exists replaces that page (this is how the sync panel and the
dashboard take over the built-in "sync" and "reports" placeholders). The main window
imports every module of `PLUGIN_MODULES` that exists before it builds its pages, so a
module named there needs no other wiring. Keys used by the main window: intake,
dossiers, returns, reports, sync, settings.

Background work inside a page goes through `ui.tasks.Op`; failures through
`ui.errors.show_error`; after a mutation, emit `ui.bus.bus().changes_applied`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from counter_app.kernel.context import AppContext
from counter_app.kernel.users import Actor

log = logging.getLogger("counter_app.ui")

PageFactory = Callable[[AppContext, Actor], QWidget]

# Screens built by other issues; imported when present so they can register themselves.
PLUGIN_MODULES = (
    "ui.scan_view",
    "ui.print_preview",
    "ui.guidance_panel",
    "ui.sync_view",
    "ui.dashboard",
    "ui.receipt_verify",
)


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    factory: PageFactory
    order: int = 100


_pages: dict[str, Page] = {}


def register_page(key: str, title: str, factory: PageFactory, *, order: int = 100) -> None:
    previous = _pages.get(key)
    if previous is not None and order == 100:
        order = previous.order  # a replacement keeps its place in the navigation
    _pages[key] = Page(key, title, factory, order)


def registered_pages() -> list[Page]:
    return sorted(_pages.values(), key=lambda page: (page.order, page.key))


def load_plugins() -> list[str]:
    """Import the plugin modules that exist; a broken one is logged, not fatal."""
    loaded = []
    for name in PLUGIN_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                log.warning("page module %s cannot import %s", name, exc.name)
            continue
        except Exception:
            log.exception("page module %s failed to load", name)
            continue
        loaded.append(name)
    return loaded
