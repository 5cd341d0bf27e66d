"""The SQLite backend: a project is one file (see project.py)."""
