"""Training recipes for the plate detector and the Korean plate reader (Qt-free, resumable)."""
