"""annotator: an offline desktop tool for labelling spans of text."""

__version__ = "0.1.0"
