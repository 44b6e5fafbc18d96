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
        -- Jobs per status and model, kept by triggers in the same transactions: totals without a
        -- search cost nothing, however many jobs there are.
        CREATE TABLE counts(status TEXT NOT NULL, model TEXT NOT NULL, jobs INTEGER NOT NULL, PRIMARY KEY (status, model)) WITHOUT ROWID;
        CREATE TRIGGER jobs_counted AFTER INSERT ON jobs BEGIN
            INSERT INTO counts VALUES (new.status, new.model, 1) ON CONFLICT DO UPDATE SET jobs = jobs + 1;
        END;
        CREATE TRIGGER jobs_uncounted AFTER DELETE ON jobs BEGIN
            UPDATE counts SET jobs = jobs - 1 WHERE status = old.status AND model = old.model;
        END;
        CREATE TRIGGER jobs_recounted AFTER UPDATE OF status, model ON jobs
        WHEN old.status IS NOT new.status OR old.model IS NOT new.model BEGIN
            UPDATE counts SET jobs = jobs - 1 WHERE status = old.status AND model = old.model;
            INSERT INTO counts VALUES (new.status, new.model, 1) ON CONFLICT DO UPDATE SET jobs = jobs + 1;
        END;
        -- Substring search in prompts: every three characters, case-folded (the text is jobs.prompt).
        CREATE VIRTUAL TABLE prompts USING fts5(prompt, content='jobs', content_rowid='pos', tokenize='trigram');
        -- The distinct trigrams, to widen a two-character search into the trigrams starting with it.
        CREATE VIRTUAL TABLE prompt_terms USING fts5vocab(prompts, 'row');
        """
}
