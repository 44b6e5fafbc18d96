import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds jobs whose worker died and settles them; restarts queued jobs nobody is running;
/// removes old temp files. Run by `sora reap`, which the responder triggers at most once a minute.
///
/// A worker holds its job's `flock` while alive and the kernel drops it when the process dies,
/// so "lock free and status not terminal" means the worker is gone; the heartbeat in the status
/// document is for people, not for this decision.
public struct Reaper {
    public let config: Config
    public let spool: Spool
    public let launchWorker: (String) -> Bool
    public let now: () -> Date

    /// Transfer rounds (each with its own download attempts) before the reaper stops retrying;
    /// the page's retry button still works until the link expires.
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
            if doc.status.isTerminal {
                if !lockHeld && FileIO.exists(spool.downloadPath(id)) { FileIO.remove(spool.downloadPath(id)); report.cleaned += 1 }
                // A failed transfer is retried (a few rounds) while the paid-for link still lives;
                // the private state is read only for such jobs, not for every finished one.
                guard doc.status == .failed, doc.error?.kind == .transfer, !lockHeld else { continue }
                let state = spool.readState(id)
                if state.upstreamLink != nil, let exp = state.upstreamLinkExpiresAt, exp > t,
                   state.transferRounds < Self.maxTransferRounds {
                    try? spool.enqueue(id)
                    if launchWorker(id) { report.resumed.append(id) }
                    log.write("reap_retry_transfer", job: id, fields: ["round": state.transferRounds + 1])
                }
                continue
            }
            if lockHeld { continue }
            let state = spool.readState(id)
            switch doc.status {
            case .queued where state.submissions == 0:
                if !queued.contains(id) { try? spool.enqueue(id) }
                waiting.append(id)
            default:
                if let exp = state.upstreamLinkExpiresAt, state.upstreamLink != nil, exp > t {
                    // The paid-for video exists: a new worker only resumes the transfer.
                    try? spool.enqueue(id)
                    if launchWorker(id) { report.resumed.append(id) }
                    log.write("reap_resume", job: id, fields: [:])
                } else if let lock = FileLock.tryLock(spool.lockPath(id)) {
                    defer { lock.release() }
                    let failure = JobFailure(kind: .interrupted,
                                             message: "任务在拿到视频链接前中断（工作进程退出）。为避免重复扣费，系统没有自动重新提交；如需要，请重新生成。",
                                             detail: "worker gone (last heartbeat \(doc.heartbeatAt.map(SpoolJSON.isoString) ?? "never")); not resubmitted")
                    _ = try? spool.updateStatus(id, now: t) { d in
                        d.status = .failed; d.error = failure; d.finishedAt = t
                    }
                    spool.dequeue(id)
                    report.interrupted.append(id)
                    log.write("reap_interrupted", job: id, fields: [:])
                }
            }
        }
        // Queued jobs nobody runs: start at most one worker per free slot; each drains the queue.
        let free = config.maxWorkers - spool.runningWorkers(max: config.maxWorkers)
        for id in waiting.prefix(free) where launchWorker(id) { report.restarted.append(id) }
        report.cleaned += cleanTemp(olderThan: 3600, now: t)
        return report
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
