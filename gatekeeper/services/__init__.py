"""Application services: pass logging, registry, evaluation, labeling and retraining (Qt-free)."""
