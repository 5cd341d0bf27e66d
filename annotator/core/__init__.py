"""The Qt-free heart of annotator: model, project store, operations and formats.

Nothing under this package may import PySide6 or annotator.gui (checked by
import-linter in the test suite), so it can be used from scripts, the CLI
and tests without a display.
"""
