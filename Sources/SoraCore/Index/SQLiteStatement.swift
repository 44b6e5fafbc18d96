import CSQLite

/// A value bound to a statement parameter.
enum SQLiteValue {
    case int(Int64), double(Double), text(String)
}

/// A prepared statement, owned by its `SQLiteDatabase`; finalized when released.
final class SQLiteStatement {
    private let stmt: OpaquePointer
    private let connection: OpaquePointer

    init(_ stmt: OpaquePointer, connection: OpaquePointer) { self.stmt = stmt; self.connection = connection }

    deinit { sqlite3_finalize(stmt) }

    /// Resets the statement and binds `values` to parameters 1…n.
    @discardableResult
    func bind(_ values: [SQLiteValue]) throws -> SQLiteStatement {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (i, v) in values.enumerated() {
            let n = Int32(i + 1)
            let rc: Int32
            switch v {
            case .int(let x): rc = sqlite3_bind_int64(stmt, n, x)
            case .double(let x): rc = sqlite3_bind_double(stmt, n, x)
            case .text(let s): rc = s.utf8CString.withUnsafeBufferPointer { sora_sqlite_bind_text(stmt, n, $0.baseAddress, Int32($0.count - 1)) }
            }
            guard rc == SQLITE_OK else { throw SQLiteDatabase.error(rc, connection) }
        }
        return self
    }

    /// Advances to the next row; false when there is none.
    func step() throws -> Bool {
        switch sqlite3_step(stmt) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw SQLiteDatabase.error(rc, connection)
        }
    }

    /// Runs a statement that returns no rows.
    func run(_ values: [SQLiteValue] = []) throws {
        try bind(values)
        defer { sqlite3_reset(stmt) }
        while try step() {}
    }

    /// Reads the first row (nil: none) and resets, so the connection can write next.
    func first<T>(_ values: [SQLiteValue] = [], _ read: (SQLiteStatement) -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(stmt) }
        return try step() ? read(self) : nil
    }

    /// Every row, read by `read`.
    func all<T>(_ values: [SQLiteValue] = [], _ read: (SQLiteStatement) -> T) throws -> [T] {
        try bind(values)
        defer { sqlite3_reset(stmt) }
        var rows: [T] = []
        while try step() { rows.append(read(self)) }
        return rows
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    func text(_ column: Int32) -> String {
        guard let p = sqlite3_column_text(stmt, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(stmt, column))), as: UTF8.self)
    }
}
