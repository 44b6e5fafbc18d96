/// What the index keeps of one status document: the columns the library filters, sorts,
/// counts and searches on. The documents themselves are read from the status files.
struct IndexRow: Equatable {
    var id: String
    var seq: Int
    var status: String
    var phase: String
    var model: String
    var costUSD: Double
    var createdAt: Double
    /// The prompt lower-cased, plus two padding characters so that every one- or two-character
    /// piece of it starts a trigram, even at the very end (see `LibraryQuery.promptSearch`).
    var prompt: String

    init(_ doc: StatusDocument) {
        id = doc.taskID; seq = doc.seq; status = doc.status.rawValue; phase = doc.phase.rawValue; model = doc.model
        costUSD = doc.costUSD; createdAt = doc.createdAt.timeIntervalSince1970
        prompt = doc.origPrompt.lowercased() + Self.promptPad
    }

    static let promptPad = "\n\n"

    /// The row's position: a number that sorts like the id, so the table, the status index and
    /// the search index all hand back rows newest first without a sort. It is the id's creation
    /// time in milliseconds (42 bits, enough until 2109) followed by the first 20 of its random
    /// bits and a free low bit; two ids that agree on all of those (the same millisecond and
    /// 20 random bits) are told apart by taking the next free number.
    static func position(for id: String) -> Int64 {
        func number(_ chars: some Sequence<UInt8>) -> UInt64 {
            chars.reduce(0) { $0 << 5 | UInt64(JobID.alphabet.firstIndex(of: $1) ?? 0) }
        }
        let ms = min(number(id.utf8.prefix(10)), (1 << 42) - 1)
        return Int64(ms << 21 | number(id.utf8.dropFirst(10).prefix(4)) << 1)
    }
}

extension IndexRow {
    /// Inserts the row, or updates the job's row if this document is newer (a higher `seq`):
    /// writes from several processes may land in any order and the newest still wins. The
    /// prompt never changes after creation, so only an insert touches the search index.
    func save(in db: SQLiteDatabase) throws {
        let existing = try db.prepare("SELECT pos, seq FROM jobs WHERE id = ?").first([.text(id)]) { ($0.int(0), $0.int(1)) }
        if let (pos, indexedSeq) = existing {
            guard Int64(seq) > indexedSeq else { return }
            try db.prepare("UPDATE jobs SET seq = ?, status = ?, phase = ?, model = ?, cost_usd = ? WHERE pos = ?")
                .run([.int(Int64(seq)), .text(status), .text(phase), .text(model), .double(costUSD), .int(pos)])
            return
        }
        var pos = Self.position(for: id)
        let taken = try db.prepare("SELECT 1 FROM jobs WHERE pos = ?")
        while try taken.first([.int(pos)], { _ in true }) != nil { pos += 1 }
        try db.prepare("INSERT INTO jobs(pos, id, seq, status, phase, model, cost_usd, created_at, prompt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .run([.int(pos), .text(id), .int(Int64(seq)), .text(status), .text(phase), .text(model), .double(costUSD),
                  .double(createdAt), .text(prompt)])
        try db.prepare("INSERT INTO prompts(rowid, prompt) VALUES (?, ?)").run([.int(pos), .text(prompt)])
    }

    /// Removes a job's row and its search entry (an external-content index is told the old text).
    static func delete(_ id: String, in db: SQLiteDatabase) throws {
        guard let (pos, prompt) = try db.prepare("SELECT pos, prompt FROM jobs WHERE id = ?").first([.text(id)], { ($0.int(0), $0.text(1)) })
        else { return }
        try db.prepare("INSERT INTO prompts(prompts, rowid, prompt) VALUES ('delete', ?, ?)").run([.int(pos), .text(prompt)])
        try db.prepare("DELETE FROM jobs WHERE pos = ?").run([.int(pos)])
    }
}
