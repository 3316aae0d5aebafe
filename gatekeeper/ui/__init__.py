"""PySide6 views and the QThread camera workers: the only package that imports Qt."""
