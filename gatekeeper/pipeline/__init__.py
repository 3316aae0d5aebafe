"""Qt-free recognition pipeline: frame sources, detector, readers, tracking and voting."""

from gatekeeper.pipeline.offline import configure_offline

configure_offline()
