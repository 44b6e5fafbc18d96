#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Runs jobs: one create call upstream (never a second one after it may have reached the
/// upstream), then following the job (a stream, or polls of its task), then the transfer of the
/// result into durable storage.
///
/// Money rules that shape this code (README "Money"):
/// - The create is recorded (`WorkerState.create = .sending`, fsync) *before* it is sent, and the
///   upstream's task id is written (fsync) the moment the answer arrives, before anything else.
/// - A job whose create may have reached the upstream is never created again: a new worker
///   resumes following its task, or ends it `ambiguous`.
/// - The job lock is held for the whole run; the kernel drops it when the worker dies, which is
///   how `reap` tells a dead worker from a slow one.
public final class Worker {
    let config: Config
    let spool: Spool
    let store: VideoStore
    let transport: HTTPTransport
    let log: EventLog
    let now: () -> Date
    let sleep: (Double) -> Void

    public init(config: Config, spool: Spool, store: VideoStore, transport: HTTPTransport = CurlTransport(),
                now: @escaping () -> Date = { Date() },
                sleep: @escaping (Double) -> Void = { s in if s > 0 { usleep(UInt32(min(s, 3600) * 1_000_000)) } }) {
        self.config = config; self.spool = spool; self.store = store; self.transport = transport
        self.now = now; self.sleep = sleep
        self.log = EventLog(path: spool.eventsLog)
    }

    /// The nice value of the processes the responder starts (workers, the reaper), set in the
    /// child before exec: background work yields the CPU to the responders, so a burst of jobs
    /// starting does not hold up the answers to the submits still coming.
    public static let niceness: Int32 = 10

    // MARK: slots and queue

    /// Runs once, when this worker holds a slot and its first job, or has none to run: a worker
    /// started by a submit hands the starting lock on here (`sora worker`).
    public var onStarted: (() -> Void)?

    private func started() {
        guard let hook = onStarted else { return }
        onStarted = nil
        hook()
    }

    /// Takes one of the `maxWorkers` slot locks, or nil when all are busy.
    public func acquireSlot() -> FileLock? {
        for n in 0..<config.maxWorkers {
            if let l = FileLock.tryLock("\(spool.slotsDir)/\(n)") { return l }
        }
        return nil
    }

    /// Runs `first` (if given) and then queued jobs, oldest first, while holding a slot.
    /// Returns how many jobs this process ran.
    @discardableResult
    public func runLoop(first: String?) -> Int {
        var ran = 0
        var candidate = first
        defer { started() }
        while true {
            guard let slot = acquireSlot() else { return ran }  // over the limit: job stays queued
            while let id = candidate ?? spool.nextQueuedJob() {
                candidate = nil
                if run(jobID: id) { ran += 1 }
            }
            slot.release()
            // A job queued while we were releasing the slot would wait for the reaper; look once more.
            guard spool.nextQueuedJob() != nil else { return ran }
        }
    }

    /// Runs one job if no other worker has it. Returns false when it was not ours to run.
    @discardableResult
    public func run(jobID id: String) -> Bool {
        guard JobID.isValid(id), FileIO.exists(spool.jobDir(id)) else { spool.dequeue(id); return false }
        guard let lock = FileLock.tryLock(spool.lockPath(id)) else { return false }
        defer { lock.release() }
        spool.dequeue(id)
        started()
        spool.renumberQueue(now: now(), pause: 0.25)
        guard let doc = spool.readStatus(id), let request = spool.readRequest(id) else { return false }
        var job = ActiveJob(id: id, request: request, state: spool.readState(id))
        if doc.status == .succeeded || doc.status == .cancelled { return false }

        if job.state.upstreamLink != nil {
            // The result exists and is paid for: only the transfer is left (or retried).
            if doc.status == .failed && doc.error?.kind != .transfer { return false }
            guard job.state.linkUsable(at: now()) else {
                if doc.status != .failed { fail(&job, Transfer.linkGone(job.state)) }
                return true
            }
            log.write("transfer_resumed", job: id, fields: [:])
            Transfer(worker: self).run(&job)
            return true
        }
        if doc.status == .failed {
            // Only a task we still know may be followed again (a timed-out one, after a retry).
            guard request.protocol.isTaskBased, job.state.upstreamTaskID != nil, doc.error?.params["resumable"] == true else { return false }
        }
        if request.protocol.isTaskBased {
            TaskRunner(worker: self).run(&job)
        } else {
            ChatRunner(worker: self).run(&job)
        }
        return true
    }

    // MARK: durable state

    /// Writes the worker state durably, retrying: it carries the upstream task id and the result
    /// link, which money depends on. On a full disk the job's reserve file is given up first.
    /// Returns false only if every attempt failed (the caller keeps going with the state in memory).
    @discardableResult
    func persist(_ job: ActiveJob) -> Bool {
        for attempt in 0..<12 {
            do {
                try spool.writeState(job.id, job.state)
                return true
            } catch {
                if errno == ENOSPC || errno == EDQUOT { spool.releaseReserve(job.id) }
                log.write("state_write_failed", job: job.id, fields: ["attempt": attempt + 1, "error": "\(error)"])
                sleep(min(30, 0.25 * pow(2, Double(attempt))))
            }
        }
        return false
    }

    /// Books money for a job on its submit day. Retries; a line that can't be written is logged
    /// loudly (the status document still carries the cost).
    func book(_ job: ActiveJob, _ op: Ledger.Op, _ usd: Double) {
        let day = Ledger.day(job.request.createdAt)
        for attempt in 0..<8 {
            do {
                try spool.ledger.record(job: job.id, op: op, usd: usd, day: day)
                return
            } catch {
                if errno == ENOSPC || errno == EDQUOT { spool.releaseReserve(job.id) }
                log.write("ledger_write_failed", job: job.id, fields: ["op": op.rawValue, "attempt": attempt + 1, "error": "\(error)"])
                sleep(min(10, 0.25 * pow(2, Double(attempt))))
            }
        }
    }

    /// A status change that must land (terminal ones): retried a few times.
    @discardableResult
    func transition(_ job: ActiveJob, to next: JobState? = nil, _ change: (inout StatusDocument) -> Void = { _ in }) -> StatusDocument? {
        for attempt in 0..<(next?.isTerminal == true ? 6 : 1) {
            do { return try spool.transition(job.id, to: next, now: now(), change) } catch let e as IllegalTransition {
                log.write("illegal_transition", job: job.id, fields: ["error": e.description])
                return nil
            } catch {
                if errno == ENOSPC { spool.releaseReserve(job.id) }
                log.write("status_write_failed", job: job.id, fields: ["attempt": attempt + 1, "error": "\(error)"])
                if next?.isTerminal == true { sleep(0.5 * Double(attempt + 1)) }
            }
        }
        return nil
    }

    // MARK: ends

    /// Ends a job as failed. `canRetry` follows from what is left to do.
    func fail(_ job: inout ActiveJob, _ failure: JobFailure, progress: Double? = nil) {
        let t = now()
        let retry = JobActions.canRetry(failure: failure, state: job.state, protocol: job.request.protocol, now: t)
        transition(job, to: .failed) { d in
            d.phase = .failed; d.error = failure; d.finishedAt = t; d.heartbeatAt = t; d.canRetry = retry
            if let progress { d.progress = max(d.progress, min(100, progress)) }
            if job.state.upstreamLink != nil {
                d.linkExpiresAt = job.state.upstreamLinkExpiresAt; d.linkExpiryEstimated = job.state.linkExpiryEstimated
            }
        }
        log.write("job_failed", job: job.id, fields: ["kind": failure.kind.rawValue, "code": failure.code, "detail": failure.detail ?? ""])
    }

    /// The job is not billed after all: release its money.
    func release(_ job: ActiveJob) {
        book(job, .release, 0)
        transition(job) { d in d.costUSD = 0; d.costState = .released }
    }

    /// The upstream accepted the job: the estimate counts as spent from now on.
    func charge(_ job: ActiveJob) {
        book(job, .charge, job.request.priceUSD)
        transition(job) { d in d.costUSD = job.request.priceUSD; d.costState = .reserved }
    }
}

/// The job a worker holds: its request (read once) and its state (kept in memory as well as on
/// disk, so a failed write never loses the task id or the link).
struct ActiveJob {
    let id: String
    let request: JobRequest
    var state: WorkerState
}

/// What the page may offer on a job (docs/contract.md §4: `can_cancel`, `can_retry`).
public enum JobActions {
    /// Retry re-runs only what is left: the transfer of a result whose link still works, or
    /// following a task that still exists. Never a new create.
    public static func canRetry(failure: JobFailure, state: WorkerState, protocol: UpstreamProtocolName, now: Date) -> Bool {
        if state.upstreamLink != nil { return failure.kind == .transfer && state.linkUsable(at: now) }
        return `protocol`.isTaskBased && state.upstreamTaskID != nil && failure.params["resumable"] == true
    }

    /// Cancel is possible while the job waits in our queue, or while its task waits in the
    /// upstream's queue where the dialect can cancel it (Ark, DashScope).
    public static func canCancel(status: JobState, phase: JobPhase, protocol: UpstreamProtocolName) -> Bool {
        if status == .queued { return true }
        return status == .generating && phase == .upstreamQueued && (`protocol` == .arkTasks || `protocol` == .dashscopeTasks)
    }
}
