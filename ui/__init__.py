"""The PySide6 user interface: a thin layer over the core's use cases (`counter_app`'s slices)."""
