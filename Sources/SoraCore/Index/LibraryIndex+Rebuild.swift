import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Another process is rebuilding the index right now.
public struct IndexBusy: Error, CustomStringConvertible {
    public var description: String { "the library index is being rebuilt by another process" }
}

extension LibraryIndex {
    /// Builds the index anew from the status files and renames it into place; returns how many
    /// jobs it holds. Safe at any time: it holds the index lock alone, so writers wait for it
    /// (then update the new file) and readers list from the status files meanwhile.
    /// - Parameter wait: wait for a rebuild already running elsewhere, or throw `IndexBusy`.
    @discardableResult
    public func rebuild(wait: Bool = true) throws -> Int {
        guard let lock = IndexLock.take(lockPath, .exclusive, wait: wait) else { throw IndexBusy() }
        defer { lock.release() }
        let started = Date()
        let fresh = path + ".new"
        for suffix in ["", "-journal", "-wal", "-shm"] { unlink(fresh + suffix) }
        var count = 0
        do {
            guard let db = try SQLiteDatabase(path: fresh, create: true) else { throw IndexBusy() }
            try db.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
            try db.execute(IndexSchema.create)
            try db.writeTransaction {
                try db.prepare("INSERT INTO meta(version, boot) VALUES (?, ?)").run([.int(IndexSchema.version), .text(Self.bootID)])
                // Oldest first, so each row's position is free unless two ids share it.
                for id in spool.allJobIDs().reversed() {
                    guard let doc = spool.readStatus(id) else { continue }
                    try IndexRow(doc).save(in: db)
                    count += 1
                }
            }
            // Readers and writers of the live file share it through WAL.
            try db.execute("PRAGMA journal_mode = WAL")
        } catch {
            unlink(fresh)
            EventLog(path: spool.eventsLog).write("index_rebuild_failed", job: nil, fields: ["error": "\(error)"])
            throw error
        }
        // No connection is open on the old file (every one lives inside the shared lock), so its
        // WAL can go before the new file takes its name.
        unlink(path + "-wal")
        unlink(path + "-shm")
        guard rename(fresh, path) == 0 else {
            let e = FileIO.Failure("cannot rename onto", path)
            unlink(fresh)
            throw e
        }
        unlink(stalePath)
        EventLog(path: spool.eventsLog).write("index_rebuilt", job: nil, fields: [
            "jobs": count, "ms": Int(Date().timeIntervalSince(started) * 1000)])
        return count
    }

    /// The reaper's pass over the index: rebuild it if it is outdated, otherwise re-read the
    /// status files of the jobs it shows unfinished. A process killed between writing a status
    /// file and its row leaves such a row behind; finished rows are repaired by `sora reindex`.
    public func repair() {
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
