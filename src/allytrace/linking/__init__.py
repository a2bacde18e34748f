"""Linking: mentions of case entities in the corpus (bilingual gazetteer, acronym rules)."""
