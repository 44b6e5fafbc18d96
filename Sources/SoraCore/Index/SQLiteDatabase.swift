import CSQLite

/// A failed SQLite call: its result code and SQLite's message.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "sqlite error \(code): \(message)" }
    /// The file is damaged or not a database: only a rebuild repairs it.
    var isCorrupt: Bool { code & 0xFF == SQLITE_CORRUPT || code & 0xFF == SQLITE_NOTADB }
}

/// One SQLite connection, opened for one short operation by one thread and closed after it
/// (so a rebuild that renames a new file into place never leaves a connection on the old one).
final class SQLiteDatabase {
    let handle: OpaquePointer
    /// Prepared once per connection: a rebuild saves 100,000 rows through the same few.
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens `path`; nil when it does not exist and `create` is false.
    init?(path: String, create: Bool) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            if rc == SQLITE_CANTOPEN && !create { return nil }
            throw SQLiteError(code: rc, message: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    private var isOpen = true

    deinit { close() }

    /// Closes now (before a rename, say) rather than when released.
    func close() {
        guard isOpen else { return }
        isOpen = false
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32) -> SQLiteError { Self.error(rc, handle) }

    static func error(_ rc: Int32, _ handle: OpaquePointer) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Runs statements that return no rows (schema, pragmas, transaction control).
    func execute(_ sql: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc) }
    }

    /// Reads the schema now (any statement naming a table does), outside whatever lock the
    /// caller takes next.
    func readSchema() throws { _ = try prepare("SELECT 1 FROM sqlite_master LIMIT 0") }

    /// The statement for `sql`, prepared on first use and kept with the connection.
    func prepare(_ sql: String) throws -> SQLiteStatement {
        if let s = statements[sql] { return s }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc) }
        let s = SQLiteStatement(stmt, connection: handle)
        statements[sql] = s
        return s
    }

    /// Runs `body` in a write transaction taken at once (`BEGIN IMMEDIATE`), so a writer waits
    /// for the busy timeout at the start instead of failing half-way; rolls back if it throws.
    func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
