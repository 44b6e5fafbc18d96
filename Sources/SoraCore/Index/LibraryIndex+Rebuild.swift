#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Another process is rebuilding the index right now.
public struct IndexBusy: Error, CustomStringConvertible {
    public var description: String { "the library index is being rebuilt by another process" }
}

extension LibraryIndex {
    var buildLockPath: String { spool.privateDir + "/index-build.lock" }

    /// Builds the index anew from the status files and renames it into place; returns how many
    /// jobs it holds. Safe at any time, and writers barely notice: the long part (reading every
    /// status file, building the search index) runs while they keep writing the old file; then,
    /// holding the index lock alone, it catches up with the status files written meanwhile and
    /// renames the new file into place. One rebuild runs at a time.
    /// - Parameter wait: wait for a rebuild already running elsewhere, or throw `IndexBusy`.
    @discardableResult
    public func rebuild(wait: Bool = true) throws -> Int { try rebuild(wait: wait, meanwhile: {}) }

    /// `meanwhile` runs after every status file was read, before the catch-up (tests change jobs there).
    func rebuild(wait: Bool, meanwhile: () -> Void) throws -> Int {
        guard let building = IndexLock.take(buildLockPath, .exclusive, wait: wait) else { throw IndexBusy() }
        defer { building.release() }
        let started = Date()
        let fresh = path + ".new"
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(fresh + suffix) }
        do {
            let count = try build(fresh, meanwhile: meanwhile)
            EventLog(path: spool.eventsLog).write("index_rebuilt", job: nil, fields: [
                "jobs": count, "ms": Int(Date().timeIntervalSince(started) * 1000)])
            return count
        } catch {
            unlink(fresh)
            EventLog(path: spool.eventsLog).write("index_rebuild_failed", job: nil, fields: ["error": "\(error)"])
            throw error
        }
    }

    private func build(_ fresh: String, meanwhile: () -> Void) throws -> Int {
        guard let db = try SQLiteDatabase(path: fresh, create: true) else { throw IndexBusy() }
        try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768")
        try db.execute(IndexSchema.create)
        var seen: [String: FileVersion] = [:]
        try db.writeTransaction {
            try db.prepare("INSERT INTO meta(version, boot) VALUES (?, ?)").run([.int(IndexSchema.version), .text(Self.bootID)])
            // Oldest first, so each row's position is free unless two ids share it.
            for id in spool.allJobIDs().reversed() {
                // Noted before reading: a file replaced after this shows as another version.
                guard let version = FileVersion(spool.statusPath(id)) else { continue }
                seen[id] = version
                if let doc = spool.readStatus(id) { try IndexRow(doc).save(in: db) }
            }
            try db.execute("INSERT INTO prompts(prompts) VALUES ('optimize')")  // one search segment: fewer seeks per query
        }
        meanwhile()
        guard let lock = IndexLock.take(lockPath, .exclusive, wait: true) else { throw IndexBusy() }
        defer { lock.release() }
        let count = try db.writeTransaction { try catchUp(db, since: seen) }
        try db.execute("PRAGMA journal_mode = WAL")  // the live file is shared through WAL
        db.close()
        // No operation is under way on the old file (each runs inside the shared lock), so its
        // WAL can go before the new file takes its name. A responder's kept connection still
        // has the old files open, and lets go of them at its next operation (another inode).
        unlink(path + "-wal")
        unlink(path + "-shm")
        guard rename(fresh, path) == 0 else { throw FileIO.Failure("cannot rename onto", path) }
        unlink(stalePath)
        return count
    }

    /// With writers held off: re-reads the status files replaced since `seen` was noted, adds
    /// jobs made since and drops jobs deleted since. Returns how many rows there are.
    private func catchUp(_ db: SQLiteDatabase, since seen: [String: FileVersion]) throws -> Int {
        let current = Set(spool.allJobIDs())
        for id in seen.keys where !current.contains(id) { try IndexRow.delete(id, in: db) }
        for id in current where FileVersion(spool.statusPath(id)) != seen[id] {
            if let doc = spool.readStatus(id) { try IndexRow(doc).save(in: db) } else { try IndexRow.delete(id, in: db) }
        }
        return Int(try db.prepare("SELECT count(*) FROM jobs").first { $0.int(0) } ?? 0)
    }

    /// The reaper's pass over the index: rebuild it if it is outdated, otherwise re-read the
    /// status files of the jobs it shows unfinished. A process killed between writing a status
    /// file and its row leaves such a row behind; finished rows are repaired by `sora reindex`.
    public func repair() {
        if isOutdated() {
            _ = try? rebuild(wait: false)  // failures are logged; a rebuild running elsewhere does the work
            return
        }
        let unfinished = read { db in
            try db.prepare("SELECT id, seq FROM jobs WHERE status IN ('queued', 'generating', 'transferring')")
                .all { ($0.text(0), $0.int(1)) }
        }
        for (id, seq) in unfinished ?? [] {
            if let doc = spool.readStatus(id) {
                if Int64(doc.seq) != seq { record(doc) }
            } else if !FileIO.exists(spool.statusPath(id)) {
                remove(id)
            }
        }
    }
}

/// Which version of a status file is in place: each write renames a new file over the old one,
/// so a changed file has another inode, or a reused inode with another modification time.
struct FileVersion: Equatable {
    var inode: UInt64
    var modified: Int64
    var modifiedNanos: Int
    var size: Int64

    init?(_ path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        inode = UInt64(st.st_ino); modified = Int64(st.st_mtim.tv_sec); modifiedNanos = st.st_mtim.tv_nsec; size = Int64(st.st_size)
    }
}
