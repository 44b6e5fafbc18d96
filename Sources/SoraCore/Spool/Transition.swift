#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Spool {
    /// The one way a job's status document changes: checks the move with `JobState.canMove`,
    /// applies `change`, keeps the document's invariants (progress never decreases, a finished
    /// job can't be cancelled), bumps `seq`, writes atomically, updates the library index and
    /// records a feed event. Only the process holding the job's lock (or creating the job, or
    /// the reaper holding the lock of a dead worker's job) may call it.
    ///
    /// - Parameters:
    ///   - next: the new state, or nil to stay (progress, heartbeat).
    ///   - cosmetic: a change only pollers look at (a queue position): written without fsync and
    ///     not indexed, as a lost one is redone by the next renumbering.
    @discardableResult
    public func transition(_ id: String, to next: JobState? = nil, now: Date, cosmetic: Bool = false,
                           _ change: (inout StatusDocument) -> Void = { _ in }) throws -> StatusDocument {
        guard var doc = readStatus(id) else { throw FileIO.Failure("no status for", id) }
        let before = doc
        let target = next ?? doc.status
        guard doc.status.canMove(to: target) || next == nil else { throw IllegalTransition(from: doc.status, to: target) }
        if next == nil, doc.status.isTerminal, doc.status != .failed {
            // A finished document only changes through a legal move.
            throw IllegalTransition(from: doc.status, to: doc.status)
        }
        doc.status = target
        change(&doc)
        guard doc.status == target else { throw IllegalTransition(from: before.status, to: doc.status) }
        doc.progress = (min(100, max(before.progress, doc.progress)) * 10).rounded() / 10
        if doc.status.isTerminal { doc.canCancel = false; doc.queuePosition = nil }
        if doc.status != .queued { doc.queuePosition = nil }
        doc.seq = before.seq + 1
        doc.updatedAt = now
        try writeStatus(doc, durable: !cosmetic)
        if !cosmetic { index.record(doc) }
        if doc.status.isTerminal { releaseReserve(id) }
        if before.status != doc.status || Int(before.progress) != Int(doc.progress) || before.phase != doc.phase {
            Feed(spool: self).record(.updated, doc)
        }
        return doc
    }
}
