"""The media pipeline: PyAV and the standard library only, no Django (import-linter enforces it)."""
