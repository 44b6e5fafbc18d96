#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Workers don't open the index: a worker's status change leaves a note, an empty file named
/// after the job in `private/index-pending/`, and the next read of the index (a listing, a
/// search, `sora jobs`) writes the rows of all notes in one transaction before it answers.
/// Opening SQLite, reading the schema and writing a row put about 0.9 MiB in every worker's
/// RSS, for rows nobody reads before the next listing (issue 9).
///
/// No change is lost: a reader first renames a note to a claim of its own, then reads the status
/// file. A worker writes its status file before its note, so a status written before the claim
/// is read, and one written after it leaves a new note. A claim left by a reader that died is
/// taken over once it is a minute old; a write that fails marks the index for a rebuild.
extension LibraryIndex {
    /// Set in worker processes: `record` and `remove` leave notes instead of writing rows.
    public static let leavesNotes = Atomic<Bool>(false)

    var notesDir: String { spool.privateDir + "/index-pending" }

    /// A claim older than this was left by a reader that died (a catch-up takes milliseconds).
    static let abandonedClaimSeconds = 60

    /// Leaves a note that `id`'s row is out of date.
    func note(_ id: String) {
        let path = "\(notesDir)/\(id)"
        do {
            // The directory is made by the first note (spools older than notes have none).
            if (try? FileIO.touch(path)) == nil {
                try FileIO.makeDirectory(notesDir, mode: 0o700)
                try FileIO.touch(path)
            }
        } catch {
            failed("index_write_failed", job: id, error: error)
        }
    }

    /// Writes the rows of every note (see above). Call it holding the index lock (shared), on a
    /// connection that is not mapping pages.
    func catchUp(_ db: SQLiteDatabase, abandonedAfter: Int = abandonedClaimSeconds) {
        let names = FileIO.list(notesDir)
        guard !names.isEmpty else { return }
        if let free = FileIO.freeBytes(spool.privateDir), free < Self.minimumFreeBytes {
            return failed("index_write_failed", job: nil, error: "the disk is nearly full (\(free) bytes free)")
        }
        let now = time(nil)
        var claims: [(id: String, path: String)] = []
        for name in names {
            let id: String
            if JobID.isValid(name) {
                id = name
            } else if name.hasPrefix("."), let dot = name.lastIndex(of: "."), dot > name.startIndex {
                // Another reader's claim (`.<id>.<pid>`): taken over only when abandoned (rename
                // sets its ctime).
                let claimed = String(name[name.index(after: name.startIndex)..<dot])
                var st = stat()
                guard JobID.isValid(claimed), stat("\(notesDir)/\(name)", &st) == 0,
                      now - st.st_ctim.tv_sec >= abandonedAfter else { continue }
                id = claimed
            } else {
                continue
            }
            let claim = "\(notesDir)/.\(id).\(getpid())"
            if rename("\(notesDir)/\(name)", claim) == 0 { claims.append((id, claim)) }
        }
        guard !claims.isEmpty else { return }
        defer { for c in claims { unlink(c.path) } }  // on failure too: the rebuild marked below reads every file
        guard let turn = IndexLock.take(writeLockPath, .exclusive, wait: true) else {
            return failed("index_write_failed", job: nil, error: "cannot lock \(writeLockPath)")
        }
        defer { turn.release() }
        do {
            try db.writeTransaction {
                for c in claims {
                    if let doc = spool.readStatus(c.id) { try IndexRow(doc).save(in: db) } else { try IndexRow.delete(c.id, in: db) }
                }
            }
        } catch {
            failed("index_write_failed", job: nil, error: error)
        }
    }
}
