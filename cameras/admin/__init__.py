"""Django admin of the cameras app, one module per group of models."""

from . import cameras, nodes, presets  # noqa: F401 - importing registers the ModelAdmins
