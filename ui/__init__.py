"""The PySide6 user interface: a thin layer over `counter_app.services`."""
