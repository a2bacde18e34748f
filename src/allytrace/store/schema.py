"""The project database schema, as an ordered list of explicit migrations.

``PRAGMA user_version`` records how many migrations a database has had. A migration is never
edited once released; a change is a new migration appended at the end. Everything in the
database can be rebuilt from the sources and the case files, so a migration may drop derived
tables freely.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "corpus tables and full-text index",
        """
        CREATE TABLE volumes (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            series TEXT, subseries TEXT, volume_number TEXT, volume_title TEXT,
            editors TEXT, general_editors TEXT,          -- JSON arrays
            publisher TEXT, pub_place TEXT, published TEXT,
            source_path TEXT, sha256 TEXT, bytes INTEGER,
            ingested_at TEXT NOT NULL
        );
        CREATE TABLE persons (
            volume_id TEXT NOT NULL REFERENCES volumes(id) ON DELETE CASCADE,
            id TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
            PRIMARY KEY (volume_id, id)
        );
        CREATE TABLE terms (
            volume_id TEXT NOT NULL REFERENCES volumes(id) ON DELETE CASCADE,
            id TEXT NOT NULL, term TEXT NOT NULL, expansion TEXT,
            PRIMARY KEY (volume_id, id)
        );
        CREATE TABLE documents (
            rowid INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,                   -- 'frus1964-68v29p2/d87'
            volume_id TEXT NOT NULL REFERENCES volumes(id) ON DELETE CASCADE,
            id TEXT NOT NULL, number TEXT, seq INTEGER NOT NULL,
            heading TEXT NOT NULL, kind TEXT NOT NULL,
            date TEXT, date_start TEXT, date_end TEXT, date_precision TEXT, date_text TEXT,
            time TEXT, place TEXT,
            sender TEXT, recipient TEXT,                -- '; '-joined as printed
            source_note TEXT, archive TEXT, classification TEXT, drafter TEXT,
            pages TEXT,                                 -- JSON array of printed page numbers
            text TEXT NOT NULL,                         -- paragraphs joined by a blank line
            notes TEXT NOT NULL                         -- footnotes, source note first
        );
        CREATE INDEX documents_volume ON documents(volume_id, seq);
        CREATE INDEX documents_date ON documents(date_start);
        CREATE TABLE paragraphs (
            doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            idx INTEGER NOT NULL, start INTEGER NOT NULL, page TEXT, text TEXT NOT NULL,
            PRIMARY KEY (doc, idx)
        ) WITHOUT ROWID;
        CREATE TABLE footnotes (
            doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            seq INTEGER NOT NULL, id TEXT, n TEXT, paragraph INTEGER, is_source INTEGER,
            text TEXT NOT NULL,
            PRIMARY KEY (doc, seq)
        ) WITHOUT ROWID;
        CREATE TABLE doc_persons (
            doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            person_id TEXT NOT NULL, seq INTEGER NOT NULL,
            PRIMARY KEY (doc, person_id)
        ) WITHOUT ROWID;
        CREATE INDEX doc_persons_person ON doc_persons(person_id);
        CREATE TABLE crossrefs (
            doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            seq INTEGER NOT NULL, target TEXT NOT NULL, volume TEXT, document TEXT, text TEXT,
            PRIMARY KEY (doc, seq)
        ) WITHOUT ROWID;
        -- External-content FTS5 over the documents table: BM25 over heading, text and notes.
        -- unicode61 with diacritics folded, so 'Sato' finds 'Satō'.
        CREATE VIRTUAL TABLE documents_fts USING fts5(
            heading, text, notes,
            content='documents', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        );
        """,
    ),
    (
        "mentions of case entities",
        """
        -- Found by allytrace.linking; rebuilt whenever the case's aliases or the corpus change.
        CREATE TABLE mentions (
            doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            paragraph INTEGER NOT NULL,                 -- -1 = heading, -2 = notes
            start INTEGER NOT NULL, end INTEGER NOT NULL, -- offsets in the paragraph text
            case_name TEXT NOT NULL, entity TEXT NOT NULL,
            surface TEXT NOT NULL,                      -- the text as it stands
            method TEXT NOT NULL,                       -- alias | acronym
            PRIMARY KEY (case_name, entity, doc, paragraph, start)
        ) WITHOUT ROWID;
        CREATE INDEX mentions_doc ON mentions(doc, paragraph);
        CREATE TABLE linking_state (
            case_name TEXT PRIMARY KEY,
            gazetteer_hash TEXT NOT NULL,               -- aliases + rules the mentions came from
            linked_at TEXT NOT NULL
        );
        """,
    ),
    (
        "paragraph index and embeddings for evidence retrieval",
        """
        -- Built incrementally after ingest (never inside it): paragraph-level BM25 and dense
        -- vectors. rowid of paragraphs_fts = doc * 100000 + paragraph index.
        CREATE VIRTUAL TABLE paragraphs_fts USING fts5(
            text, content='', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TABLE embeddings (
            doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            idx INTEGER NOT NULL,
            model TEXT NOT NULL, dim INTEGER NOT NULL,
            vector BLOB NOT NULL,                       -- float32, L2-normalised
            PRIMARY KEY (model, doc, idx)
        ) WITHOUT ROWID;
        -- Which documents each derived index already covers ('paragraphs_fts', 'emb:MODEL').
        CREATE TABLE index_state (
            what TEXT NOT NULL,
            doc INTEGER NOT NULL REFERENCES documents(rowid) ON DELETE CASCADE,
            PRIMARY KEY (what, doc)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "document texts beside the metadata",
        """
        -- The full text and notes move out of documents into their own table, which FTS5 now
        -- takes its content from: a documents row is a few hundred bytes instead of a page or
        -- more, so filters, date sorts and counts over 100,000s of documents read little.
        CREATE TABLE document_texts (
            rowid INTEGER PRIMARY KEY REFERENCES documents(rowid) ON DELETE CASCADE,
            heading TEXT NOT NULL,                      -- as in documents (FTS5 indexes it here)
            text TEXT NOT NULL,                         -- paragraphs joined by a blank line
            notes TEXT NOT NULL                         -- footnotes, source note first
        );
        INSERT INTO document_texts (rowid, heading, text, notes)
            SELECT rowid, heading, text, notes FROM documents;
        DROP TABLE documents_fts;
        ALTER TABLE documents DROP COLUMN text;
        ALTER TABLE documents DROP COLUMN notes;
        CREATE VIRTUAL TABLE documents_fts USING fts5(
            heading, text, notes,
            content='document_texts', content_rowid='rowid',
            tokenize='unicode61 remove_diacritics 2'
        );
        INSERT INTO documents_fts(documents_fts) VALUES ('rebuild');
        CREATE INDEX documents_kind ON documents(kind, date_start);
        """,
    ),
]

SCHEMA_VERSION = len(MIGRATIONS)
