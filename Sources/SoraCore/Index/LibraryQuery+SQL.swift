extension LibraryQuery {
    /// One- and two-character searches widen into the trigrams that start with them, up to this
    /// many (an FTS5 query costs about 20 µs more per term); beyond it the prompts are scanned.
    static let maxWidenedTerms = 300

    /// How the search text is looked for in prompts.
    enum PromptSearch: Equatable {
        /// An FTS5 query on the trigram index.
        case match(String)
        /// `instr` over every prompt.
        case scan
        /// No prompt can contain it.
        case none
    }

    /// The page and count from the index. Rows come newest first straight from the position
    /// order of the table, of the status and model indexes, or of the search index. A count
    /// without a search sums `counts`; with one it reads matches up to the cap (`countCap`).
    func answer(from db: SQLiteDatabase) throws -> LibraryPage {
        var filters: [String] = []
        var values: [SQLiteValue] = []
        if let status { filters.append("status = ?"); values.append(.text(status.rawValue)) }
        if let model { filters.append("model = ?"); values.append(.text(model)) }
        let search = try text.map { try promptSearch($0, db) }
        // ids sort below "~": the ids starting with `text` are those from `text` to `text~`.
        var idRange: [SQLiteValue] = []
        if let text, try db.prepare("SELECT 1 FROM jobs WHERE id >= ? AND id < ? LIMIT 1").first([.text(text), .text(text + "~")], { _ in true }) != nil {
            idRange = [.text(text), .text(text + "~")]
        }
        let bound = try before.map { id in
            try db.prepare("SELECT pos FROM jobs WHERE id = ?").first([.text(id)]) { $0.int(0) } ?? IndexRow.position(for: id)
        }
        let limitValue = SQLiteValue.int(Int64(limit + 1))

        if case .match(let expression)? = search, idRange.isEmpty {
            // Only prompts can match: the search index leads, its rows coming newest first. With
            // filters the count walks the same join, so it stops at the cap instead of collecting
            // every match first as `pos IN (…)` would; without, it skips the join (a row lookup
            // per match: 3 ms for 400 at 100,000 jobs).
            let from = " FROM prompts CROSS JOIN jobs ON jobs.pos = prompts.rowid WHERE prompts MATCH ?" + filters.map { " AND " + $0 }.joined()
            let total = try cappedCount(filters.isEmpty ? "SELECT 1 FROM prompts WHERE prompts MATCH ?" : "SELECT 1" + from,
                                        [.text(expression)] + values, db)
            let sql = "SELECT jobs.id" + from + (bound == nil ? "" : " AND prompts.rowid < ?") + " ORDER BY prompts.rowid DESC LIMIT ?"
            let ids = try db.prepare(sql).all([.text(expression)] + values + (bound.map { [.int($0)] } ?? []) + [limitValue]) { $0.text(0) }
            return page(ids, total: total)
        }

        let total: Int64
        if let search {
            var either: [String] = []
            switch search {
            case .match(let expression): either.append("pos IN (SELECT rowid FROM prompts WHERE prompts MATCH ?)"); values.append(.text(expression))
            case .scan: either.append("instr(prompt, ?) > 0"); values.append(.text(text ?? ""))
            case .none: break
            }
            if !idRange.isEmpty { either.append("(id >= ? AND id < ?)"); values += idRange }
            filters.append(either.isEmpty ? "0" : "(" + either.joined(separator: " OR ") + ")")
            total = try cappedCount("SELECT 1 FROM jobs" + Self.clause(filters), values, db)
        } else {
            total = try db.prepare("SELECT coalesce(sum(jobs), 0) FROM counts" + Self.clause(filters)).first(values) { $0.int(0) } ?? 0
        }
        if let bound { filters.append("pos < ?"); values.append(.int(bound)) }
        let ids = try db.prepare("SELECT id FROM jobs" + Self.clause(filters) + " ORDER BY pos DESC LIMIT ?").all(values + [limitValue]) { $0.text(0) }
        return page(ids, total: total)
    }

    /// How many rows `select` gives, reading no more than one past `countCap` of them.
    func cappedCount(_ select: String, _ values: [SQLiteValue], _ db: SQLiteDatabase) throws -> Int64 {
        try db.prepare("SELECT count(*) FROM (\(select) LIMIT \(Self.countCap + 1))").first(values) { $0.int(0) } ?? 0
    }

    static func clause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    /// Up to `limit` ids of the `limit + 1` read; the extra one says whether more follow.
    func page(_ ids: [String], total: Int64) -> LibraryPage {
        capping(LibraryPage(ids: Array(ids.prefix(limit)), total: Int(total), more: ids.count > limit))
    }

    /// Three or more characters: a phrase of trigrams, which finds exactly the prompts holding
    /// the text. One or two: the trigrams that start with it (every stored prompt ends with two
    /// padding characters, so each character and pair in it starts one), or a scan if there
    /// are too many of those.
    func promptSearch(_ text: String, _ db: SQLiteDatabase) throws -> PromptSearch {
        func phrase(_ s: String) -> String { "\"" + s.replacingText("\"", with: "\"\"") + "\"" }
        if text.unicodeScalars.count >= 3 { return .match(phrase(text)) }
        let terms = try db.prepare("SELECT term FROM prompt_terms WHERE term >= ? AND term < ? LIMIT ?")
            .all([.text(text), .text(text + "\u{10FFFF}"), .int(Int64(Self.maxWidenedTerms + 1))]) { $0.text(0) }
        if terms.isEmpty { return .none }
        if terms.count > Self.maxWidenedTerms { return .scan }
        return .match(terms.map(phrase).joined(separator: " OR "))
    }
}
