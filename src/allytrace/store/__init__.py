"""The project database: corpus tables, full-text index, mentions and embeddings."""
