extension LibraryQuery {
    /// Two-character searches widen into the trigrams that start with them, up to this many;
    /// beyond it (and for one character) the prompts are scanned.
    static let maxWidenedTerms = 64

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
    /// order of the table, the status and model indexes or the search index.
    func answer(from db: SQLiteDatabase) throws -> LibraryPage {
        var conditions: [String] = []
        var values: [SQLiteValue] = []
        if let status { conditions.append("status = ?"); values.append(.text(status.rawValue)) }
        if let model { conditions.append("model = ?"); values.append(.text(model)) }
        if let text {
            var either: [String] = []
            switch try promptSearch(text, db) {
            case .match(let expression):
                either.append("pos IN (SELECT rowid FROM prompts WHERE prompts MATCH ?)"); values.append(.text(expression))
            case .scan:
                either.append("instr(prompt, ?) > 0"); values.append(.text(text))
            case .none: break
            }
            // ids sort below "~": the ids starting with `text` are those from `text` to `text~`.
            let idRange: [SQLiteValue] = [.text(text), .text(text + "~")]
            if try db.prepare("SELECT 1 FROM jobs WHERE id >= ? AND id < ? LIMIT 1").first(idRange, { _ in true }) != nil {
                either.append("(id >= ? AND id < ?)"); values += idRange
            }
            conditions.append(either.isEmpty ? "0" : "(" + either.joined(separator: " OR ") + ")")
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let total = try db.prepare("SELECT count(*) FROM jobs" + filter).first(values) { $0.int(0) } ?? 0

        if let before {
            let bound = try db.prepare("SELECT pos FROM jobs WHERE id = ?").first([.text(before)]) { $0.int(0) }
            conditions.append("pos < ?"); values.append(.int(bound ?? IndexRow.position(for: before)))
        }
        let pageFilter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        var ids = try db.prepare("SELECT id FROM jobs" + pageFilter + " ORDER BY pos DESC LIMIT ?")
            .all(values + [.int(Int64(limit + 1))]) { $0.text(0) }
        let more = ids.count > limit
        if more { ids.removeLast() }
        return LibraryPage(ids: ids, total: Int(total), more: more)
    }

    /// Three or more characters: a phrase of trigrams, which finds exactly the prompts holding
    /// the text. Two: the trigrams that start with it (every stored prompt ends with a padding
    /// character, so each pair in it starts one). One, or two with too many such trigrams: scan.
    func promptSearch(_ text: String, _ db: SQLiteDatabase) throws -> PromptSearch {
        func phrase(_ s: String) -> String { "\"" + s.replacing("\"", with: "\"\"") + "\"" }
        switch text.unicodeScalars.count {
        case 3...: return .match(phrase(text))
        case 2:
            let terms = try db.prepare("SELECT term FROM prompt_terms WHERE term >= ? AND term < ? LIMIT ?")
                .all([.text(text), .text(text + "\u{10FFFF}"), .int(Int64(Self.maxWidenedTerms + 1))]) { $0.text(0) }
            if terms.isEmpty { return .none }
            if terms.count > Self.maxWidenedTerms { return .scan }
            return .match(terms.map(phrase).joined(separator: " OR "))
        default: return .scan
        }
    }
}
