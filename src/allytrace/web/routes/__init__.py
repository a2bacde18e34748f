"""The workbench's views, one module per part: search, documents, entities, case, tracing."""
