#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import CSQLite
import Synchronization

/// The library index: a SQLite file, `private/index.sqlite`, with one row per job, so listing,
/// filters, search and counts answer without reading every status file. It is derived data:
/// status files stay the source of truth and `rebuild` (`sora reindex`) makes it again from them.
///
/// How it stays right with responders and workers writing at once:
/// - a row is written after its status file, under a shared `flock` on `private/index.lock`, in
///   one short transaction (WAL, busy timeout), and only ever moves to a higher `seq`, so writes
///   landing in any order leave the newest document's values; a worker's rows are written by the
///   next reader instead, from the notes it leaves (LibraryIndex+Notes.swift);
/// - a rebuild reads every status file while writers carry on, then holds that lock alone for
///   a moment to catch up with the files written meanwhile and rename its file into place;
/// - writers never create the file: while it is missing the status files alone are the truth;
/// - a failed write never fails the job: it is logged (`index_write_failed`) and marks the index
///   stale (`private/index.stale`).
///
/// Only the reaper (`repair`, each pass, at least once a minute while requests come) and
/// `sora reindex` rebuild it: when it is missing, marked stale, damaged, of another schema, or
/// built before the last boot (writes skip fsync, so a crash may have dropped some). Until then
/// a listing answers from it if it can be read at all (a stale row shows for at most a pass),
/// and from the status files if not (missing, damaged, another schema).
public struct LibraryIndex: Sendable {
    public let spool: Spool

    public init(spool: Spool) { self.spool = spool }

    public var path: String { spool.privateDir + "/index.sqlite" }
    var lockPath: String { spool.privateDir + "/index.lock" }
    var stalePath: String { spool.privateDir + "/index.stale" }
    var writeLockPath: String { spool.privateDir + "/index-write.lock" }

    /// Waits this long for another process's write before giving up (and marking the index stale).
    static let busyTimeoutMS = 5000

    /// Below this much free space, rows are not written (the index is marked for a rebuild).
    static let minimumFreeBytes: Int64 = 1 << 20

    // MARK: writing

    /// Brings the job's row up to `doc`. Call it after the status file is written. Never fails
    /// the caller: a failure is logged and repaired by the next rebuild.
    public func record(_ doc: StatusDocument) {
        if Self.leavesNotes.load(ordering: .relaxed) { return note(doc.taskID) }
        write(job: doc.taskID) { try IndexRow(doc).save(in: $0) }
    }

    /// Drops the job's row. Call it after the status file is removed.
    public func remove(_ id: String) {
        if Self.leavesNotes.load(ordering: .relaxed) { return note(id) }
        write(job: id) { try IndexRow.delete(id, in: $0) }
    }

    private func write(job: String, _ change: (SQLiteDatabase) throws -> Void) {
        // Derived data never takes the last of the disk: a row grows the WAL by tens of KB, and
        // a responder's kept connection means no close truncates it again, so it would keep the
        // space a job's own writes need (its reserve, given up for the link).
        if let free = FileIO.freeBytes(spool.privateDir), free < Self.minimumFreeBytes {
            return failed("index_write_failed", job: job, error: "the disk is nearly full (\(free) bytes free)")
        }
        guard let lock = IndexLock.take(lockPath, .shared, wait: true) else {
            return failed("index_write_failed", job: job, error: "cannot lock \(lockPath)")
        }
        defer { lock.release() }
        do {
            // No file yet: nothing to keep current; whoever builds it reads this job's file.
            try withConnection { db in
                // Writers take turns on a flock for the transaction alone, which hands over the
                // moment it is released, instead of SQLite's busy handler, which sleeps and
                // retries: with responders and workers writing at once those sleeps set the
                // pace. Opening the file and reading its schema need no turn.
                try db.readSchema()
                guard let turn = IndexLock.take(writeLockPath, .exclusive, wait: true) else {
                    return failed("index_write_failed", job: job, error: "cannot lock \(writeLockPath)")
                }
                defer { turn.release() }
                try db.writeTransaction { try change(db) }
            }
        } catch {
            failed("index_write_failed", job: job, error: error)
        }
    }

    /// Marks the index for a rebuild and logs why. Called with the shared lock held: a rebuild
    /// clears the mark holding the lock alone, after catching up with every status file written
    /// before that moment, the one whose row failed here among them.
    func failed(_ event: String, job: String?, error: Any) {
        try? FileIO.touch(stalePath)
        EventLog(path: spool.eventsLog).write(event, job: job, fields: ["error": "\(error)"])
    }

    // MARK: reading

    /// A page of the library, newest first, or nil when the index can't answer (missing,
    /// damaged, of another schema): the caller then lists from the status files. An index
    /// marked stale or built before the last boot still answers until the reaper rebuilds it.
    public func page(_ query: LibraryQuery) -> LibraryPage? {
        read { try query.answer(from: $0) }
    }

    /// Runs `body` on the index if it exists and has this schema. A read that fails marks the
    /// index for a rebuild.
    func read<T>(_ body: (SQLiteDatabase) throws -> T) -> T? {
        // Only a rebuild's last moment holds the lock alone: waiting for it is short.
        guard let lock = IndexLock.take(lockPath, .shared, wait: true) else { return nil }
        defer { lock.release() }
        do {
            return try withConnection { db in
                guard try built(db)?.version == IndexSchema.version else { return nil }
                catchUp(db)  // the workers' notes (LibraryIndex+Notes.swift)
                // Pages are read through `mmap` rather than copied into the connection's cache,
                // which another process's write empties anyway. Only while reading: a mapped
                // connection that writes grows the file with ftruncate, and reading such a hole
                // when the disk is full (tmpfs) is a SIGBUS.
                try db.execute("PRAGMA mmap_size = \(Self.mappedBytes)")
                defer { _ = try? db.execute("PRAGMA mmap_size = 0") }
                return try body(db)
            } ?? nil
        } catch {
            failed("index_read_failed", job: nil, error: error)
            return nil
        }
    }

    /// Whether a rebuild is due: the file is missing, marked stale, damaged, of another schema,
    /// or built before the last boot.
    func isOutdated() -> Bool {
        guard let lock = IndexLock.take(lockPath, .shared, wait: true) else { return true }
        defer { lock.release() }
        if FileIO.exists(stalePath) { return true }
        guard let built = try? withConnection({ try built($0) }) ?? nil else { return true }
        return built.version != IndexSchema.version || built.boot != Self.bootID
    }

    private func built(_ db: SQLiteDatabase) throws -> (version: Int64, boot: String)? {
        try db.prepare("SELECT version, boot FROM meta").first { ($0.int(0), $0.text(1)) }
    }

    // MARK: connections

    /// Whether this process keeps one connection between operations: a FastCGI responder, which
    /// serves thousands of requests. Opening the file and reading its schema (the search tables'
    /// included) cost a submit more than writing its row. Other processes open a connection per
    /// operation and close it, so that the last one to close empties the WAL.
    public static let keepsConnection = Atomic<Bool>(false)

    /// Runs `body` on a connection to the index; nil when the file does not exist. Call it
    /// holding the index lock (shared): no rebuild can replace the file meanwhile.
    func withConnection<T>(_ body: (SQLiteDatabase) throws -> T) throws -> T? {
        guard Self.keepsConnection.load(ordering: .relaxed) else {
            guard let db = try connect() else { return nil }
            defer { db.close() }  // before the lock goes: a rebuild may then replace the file
            return try body(db)
        }
        return try keptConnection.withLock { kept throws -> T? in
            // A rebuild renames a new file into place: a kept connection on the old one (which
            // it holds open, so its inode number can't be reused) is let go.
            var st = stat()
            guard stat(path, &st) == 0 else { kept = nil; return nil }
            if kept?.path != path || kept?.file != FileIdentity(st) {
                kept = nil
                guard let db = try connect() else { return nil }
                kept = KeptConnection(db: db, path: path, file: FileIdentity(st))
            }
            do {
                return try body(kept!.db)
            } catch {
                kept = nil  // a damaged file or a lost handle: the next operation opens afresh
                throw error
            }
        }
    }

    /// Opens the index; nil when the file does not exist.
    func connect() throws -> SQLiteDatabase? {
        guard let db = try SQLiteDatabase(path: path, create: false) else { return nil }
        // Keep the -wal and -shm files when the last connection closes: each short connection
        // would otherwise create and delete both, and file creation is a submit's dearest step
        // on ext4 without a journal (it skips recently deleted inodes one by one). That close
        // still checkpoints and empties the kept WAL (journal_size_limit 0), since a full one
        // would be read whole by the next opener. A rebuild removes both files while it holds
        // the lock alone.
        var persist: Int32 = 1
        sqlite3_file_control(db.handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
        // No fsync: the index is rebuilt after a reboot, the only time unsynced writes are lost.
        try db.execute("PRAGMA busy_timeout = \(Self.busyTimeoutMS); PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 0")
        return db
    }

    /// Enough for 100,000 jobs and more; pages are mapped only as they are read.
    static let mappedBytes = 1 << 30

    /// Changes at every boot (Linux), so an index built before a crash is never trusted after it.
    static let bootID: String = {
        guard let b = FileIO.read("/proc/sys/kernel/random/boot_id", limit: 64) else { return "unknown" }
        return String(decoding: b, as: UTF8.self).trimmed
    }()
}

/// A connection kept between operations (`LibraryIndex.keepsConnection`), with the file it is on.
struct KeptConnection: @unchecked Sendable {  // used under `keptConnection`'s lock only
    var db: SQLiteDatabase
    var path: String
    var file: FileIdentity
}

private let keptConnection = Mutex<KeptConnection?>(nil)
