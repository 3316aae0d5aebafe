"""Datasets: synthetic Korean plates, detector composites, site label datasets (Qt-free)."""
