#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Finds jobs whose worker died and sets them going again (or settles them); restarts queued
/// jobs nobody runs; removes old temp files; repairs the library index. Run by `sora reap`
/// (periodically, from a timer or cron, and at most once a minute by the responder).
///
/// A worker holds its job's `flock` while alive and the kernel drops it when the process dies,
/// so "lock free and status not terminal" means the worker is gone. What happens next is the
/// worker's own decision (`Worker.run`): resume a transfer, keep following a task, look for a
/// task whose create answer was lost — never a second create. Only a chat stream that died
/// before its link is settled here, as `interrupted`.
public struct Reaper {
    public let config: Config
    public let spool: Spool
    public let launchWorker: (String) -> Bool
    public let now: () -> Date

    /// Transfer rounds (each with its own download attempts) before the reaper stops retrying;
    /// the page's retry button still works while the link does.
    public static let maxTransferRounds = 3

    public init(config: Config, spool: Spool, launchWorker: @escaping (String) -> Bool, now: @escaping () -> Date = { Date() }) {
        self.config = config; self.spool = spool; self.launchWorker = launchWorker; self.now = now
    }

    /// What one pass did, for the command's output and the tests.
    public struct Report: Codable, Sendable {
        public var interrupted: [String] = []
        public var resumed: [String] = []
        public var restarted: [String] = []
        public var cleaned: Int = 0
    }

    public func run() -> Report {
        var report = Report()
        let log = EventLog(path: spool.eventsLog)
        let t = now()
        var waiting: [String] = []
        let queued = Set(spool.queuedJobs())
        for id in FileIO.list(spool.jobsDir).filter(JobID.isValid).sorted() {
            guard let doc = spool.readStatus(id) else { continue }
            let lockHeld = FileLock.isHeld(spool.lockPath(id))
            if lockHeld { continue }
            if doc.status.isTerminal {
                // Failed transfers are retried (a few rounds) while the paid-for link works; the
                // private state is read only for such jobs, not for every finished one.
                guard doc.status == .failed, doc.error?.kind == .transfer else {
                    if doc.status != .succeeded, let request = spool.readRequest(id) { removePartial(request, &report) }
                    continue
                }
                let state = spool.readState(id)
                if state.linkUsable(at: t), state.transferRounds < Self.maxTransferRounds {
                    try? spool.enqueue(id)
                    if launchWorker(id) { report.resumed.append(id) }
                    log.write("reap_retry_transfer", job: id, fields: ["round": state.transferRounds + 1])
                } else if !state.linkUsable(at: t), let request = spool.readRequest(id) {
                    removePartial(request, &report)
                }
                continue
            }
            let state = spool.readState(id)
            if doc.status == .queued && state.create == .none {
                if !queued.contains(id) { try? spool.enqueue(id) }
                waiting.append(id)
                continue
            }
            let request = spool.readRequest(id)
            if state.upstreamLink == nil, request?.protocol.isTaskBased != true, state.create != .none {
                // A chat stream that died before its link: nothing to come back to.
                guard let lock = FileLock.tryLock(spool.lockPath(id)) else { continue }
                defer { lock.release() }
                let failure = JobFailure(.interrupted, "before_link", [:],
                                         detail: "worker gone (last heartbeat \(doc.heartbeatAt.map(SpoolJSON.isoString) ?? "never")); not resubmitted")
                _ = try? spool.transition(id, to: .failed, now: t) { d in
                    d.phase = .failed; d.error = failure; d.finishedAt = t; d.canRetry = false
                }
                spool.dequeue(id)
                report.interrupted.append(id)
                log.write("reap_interrupted", job: id, fields: [:])
                continue
            }
            // A transfer to resume, a task to keep following, or a lost create answer to look for.
            try? spool.enqueue(id)
            if launchWorker(id) { report.resumed.append(id) }
            log.write("reap_resume", job: id, fields: ["task": state.upstreamTaskID != nil, "link": state.upstreamLink != nil])
        }
        // Queued jobs nobody runs: start at most one worker per free slot; each drains the queue.
        let free = config.maxWorkers - spool.runningWorkers(max: config.maxWorkers)
        for id in waiting.prefix(max(0, free)) where launchWorker(id) { report.restarted.append(id) }
        report.cleaned += cleanTemp(olderThan: 3600, now: t)
        spool.index.repair()
        return report
    }

    /// A partial download nobody will resume (its job failed for good, or its link is dead).
    func removePartial(_ request: JobRequest, _ report: inout Report) {
        let store = config.makeStore()
        let key = videoObjectKey(prefix: config.storagePrefix, jobID: request.taskID, model: request.model, date: request.createdAt)
        for path in [spool.downloadPath(request.taskID), store.stagingPath(forKey: key)].compactMap({ $0 }) where FileIO.exists(path) {
            FileIO.remove(path)
            report.cleaned += 1
        }
    }

    /// Removes abandoned staging directories and atomic-write temp files.
    func cleanTemp(olderThan age: TimeInterval, now t: Date) -> Int {
        var n = 0
        for name in FileIO.list(spool.tmpDir) {
            let p = "\(spool.tmpDir)/\(name)"
            if let m = FileIO.modified(p), t.timeIntervalSince(m) > age { FileIO.remove(p); n += 1 }
        }
        for name in FileIO.list(spool.statusDir) where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let p = "\(spool.statusDir)/\(name)"
            if let m = FileIO.modified(p), t.timeIntervalSince(m) > 600 { FileIO.remove(p); n += 1 }
        }
        return n
    }
}
