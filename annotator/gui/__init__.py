"""The Qt window: a thin layer over annotator.core."""
