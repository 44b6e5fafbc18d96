/// The index's tables. `version` changes whenever they do; a file of another version is rebuilt.
enum IndexSchema {
    static let version: Int64 = 1

    static let create = """
        -- Which schema and which boot built this file (a file from before the last boot may miss
        -- writes a power loss dropped: writes skip fsync).
        CREATE TABLE meta(version INTEGER NOT NULL, boot TEXT NOT NULL);
        -- One row per job; pos sorts like the id (IndexRow.position), newest = largest.
        CREATE TABLE jobs(
            pos INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            seq INTEGER NOT NULL,
            status TEXT NOT NULL,
            phase TEXT NOT NULL,
            model TEXT NOT NULL,
            cost_usd REAL NOT NULL,
            created_at REAL NOT NULL,
            prompt TEXT NOT NULL
        );
        CREATE INDEX jobs_status ON jobs(status);
        CREATE INDEX jobs_model ON jobs(model);
        -- Substring search in prompts: every three characters, case-folded (the text is jobs.prompt).
        CREATE VIRTUAL TABLE prompts USING fts5(prompt, content='jobs', content_rowid='pos', tokenize='trigram');
        -- The distinct trigrams, to widen a two-character search into the trigrams starting with it.
        CREATE VIRTUAL TABLE prompt_terms USING fts5vocab(prompts, 'row');
        """
}
