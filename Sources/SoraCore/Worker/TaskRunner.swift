#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Drives a task-based job (Ark, DashScope, OpenAI-style videos): create once, persist the task
/// id, poll with backoff until a result, a failure or our deadline, then hand over to `Transfer`.
/// The dialect supplies requests and reads answers; the decisions are all here.
struct TaskRunner {
    let worker: Worker
    /// How many proven refusals with an invitation to retry (429) are retried.
    static let maxCreateAttempts = 3
    /// Consecutive "task not found" answers after which a task counts as gone.
    static let notFoundLimit = 3
    /// Consecutive 401/403 answers to polls after which we stop (the key changed or was revoked).
    static let authFailureLimit = 5

    var config: Config { worker.config }
    var spool: Spool { worker.spool }
    var now: Date { worker.now() }

    func run(_ job: inout ActiveJob) {
        guard let dialect = taskDialect(for: job.request.protocol) else { return }
        let key = config.apiKey(named: job.request.apiKeyEnv)
        guard !key.isEmpty else {
            if job.state.create == .none {
                worker.release(job)
                worker.fail(&job, JobFailure(.config, "no_key", ["setting": .string(job.request.apiKeyEnv)],
                                             detail: "\(job.request.apiKeyEnv) is not set"))
            } else {
                worker.fail(&job, JobFailure(.config, "no_key", ["setting": .string(job.request.apiKeyEnv), "resumable": true],
                                             detail: "\(job.request.apiKeyEnv) is not set; the task is kept"))
            }
            return
        }
        let auth = "Bearer \(key.reveal())"
        let upstream: UpstreamJob
        do { upstream = try loadInputs(job) } catch {
            worker.release(job)
            worker.fail(&job, JobFailure(.config, "input_unreadable", [:], detail: "\(error)"))
            return
        }

        if job.state.upstreamTaskID == nil {
            switch job.state.create {
            case .none:
                guard submit(&job, dialect, upstream, auth) else { return }
            case .sending, .ambiguous:
                // A worker died inside the create call, or its answer was lost: never send it
                // again; look for the task where the dialect can list them.
                guard reconcile(&job, dialect, upstream, auth,
                                failure: JobFailure(.ambiguous, "create_interrupted", [:],
                                                    detail: "the worker stopped while the create call was in flight")) else { return }
            case .refused, .accepted:
                return
            }
        }
        follow(&job, dialect, upstream, auth)
    }

    /// Reads the frames from the job directory.
    func loadInputs(_ job: ActiveJob) throws -> UpstreamJob {
        func frame(_ f: FrameInput?) throws -> FrameSource? {
            guard let f else { return nil }
            if let url = f.url { return .url(url) }
            guard let file = f.file, let bytes = FileIO.read(spool.jobDir(job.id) + "/" + file) else {
                throw UpstreamInputError("cannot read the uploaded frame")
            }
            return .bytes(bytes, mime: f.mime ?? "image/png")
        }
        let model = config.catalog.model(id: job.request.model)
        return UpstreamJob(request: job.request, firstFrame: try frame(job.request.firstFrame), lastFrame: try frame(job.request.lastFrame),
                           paramSpecs: model?.params ?? [], options: model?.options ?? [:])
    }

    func exchange(_ request: HTTPRequest, auth: String, timeout: Int) -> (HTTPOutcome, HTTPAnswer?) {
        var r = request
        r.connectTimeout = config.connectTimeout
        r.totalTimeout = timeout
        let (outcome, body) = worker.transport.fetch(AuthorizedRequest(r, authorization: auth), limit: 4 << 20)
        guard outcome.completed, let head = outcome.head else { return (outcome, nil) }
        return (outcome, HTTPAnswer(status: head.status, headers: head.headers, body: body))
    }

    // MARK: create

    /// Sends the create call. Returns true when a task exists and should be followed.
    func submit(_ job: inout ActiveJob, _ dialect: TaskDialect, _ upstream: UpstreamJob, _ auth: String) -> Bool {
        let request: HTTPRequest
        do { request = try dialect.createRequest(upstream) } catch {
            worker.release(job)
            worker.fail(&job, JobFailure(.config, "input_unreadable", [:], detail: error.description))
            return false
        }
        for attempt in 1...Self.maxCreateAttempts {
            job.state.create = .sending
            job.state.submissions += 1
            job.state.submittedAt = now
            // Recorded before sending: from here on a crash must never lead to a second create.
            guard worker.persist(job) else {
                job.state.create = .none
                worker.release(job)
                worker.fail(&job, JobFailure(.config, "spool_unwritable", [:], detail: "cannot record the submission; nothing was sent"))
                return false
            }
            let t = now
            worker.transition(job, to: .generating) { d in
                d.phase = .submitting; d.startedAt = d.startedAt ?? t; d.heartbeatAt = t; d.canCancel = false
            }
            worker.log.write("upstream_create", job: job.id, fields: ["protocol": job.request.protocol.rawValue,
                                                                       "model": job.request.upstreamModel, "attempt": attempt,
                                                                       "host": URLOrigin(request.url)?.host ?? ""])
            let (outcome, answer) = exchange(request, auth: auth, timeout: config.createTimeout)
            guard let answer else {
                if outcome.neverSent {
                    // Nothing reached the upstream: no task, nothing billed.
                    job.state.create = .refused
                    worker.persist(job)
                    worker.release(job)
                    worker.fail(&job, .notSent(outcome))
                    return false
                }
                let code = outcome.timedOut ? "create_timeout" : "create_cut"
                var params: [String: JSONScalar] = [:]
                if outcome.timedOut { params["seconds"] = .int(Int64(request.totalTimeout)) }
                job.state.create = .ambiguous
                worker.persist(job)
                return reconcile(&job, dialect, upstream, auth,
                                 failure: JobFailure(.ambiguous, code, params, detail: "curl \(outcome.curlCode): \(outcome.errorMessage)"))
            }
            switch dialect.parseCreate(answer) {
            case .accepted(let taskID):
                accept(&job, taskID: taskID)
                return true
            case .refused(let failure, let retry):
                job.state.create = .refused
                worker.persist(job)
                if let retry, attempt < Self.maxCreateAttempts {
                    let wait = retry.after ?? config.retryBaseDelay * 2.5 * pow(2, Double(attempt - 1))
                    let deadline = job.request.createdAt.addingTimeInterval(Double(job.request.deadlineSeconds))
                    if wait <= 300, now.addingTimeInterval(wait) < deadline {
                        worker.log.write("create_retry", job: job.id, fields: ["status": answer.status, "wait_s": wait])
                        worker.transition(job) { d in d.phase = .submitting; d.stage = "HTTP \(answer.status)" }
                        worker.sleep(wait)
                        job.state.create = .none
                        continue
                    }
                }
                var f = failure
                if f.code == "rate_limited" { f.params["attempts"] = .int(Int64(attempt)) }
                worker.release(job)
                worker.fail(&job, f)
                return false
            case .unknown(let failure):
                job.state.create = .ambiguous
                worker.persist(job)
                return reconcile(&job, dialect, upstream, auth, failure: failure)
            }
        }
        return false
    }

    /// The upstream has a task: its id is written first, then the money and the status.
    func accept(_ job: inout ActiveJob, taskID: String) {
        job.state.upstreamTaskID = taskID
        job.state.create = .accepted
        worker.persist(job)
        worker.log.write("upstream_accepted", job: job.id, fields: ["task": taskID])
        worker.charge(job)
        let t = now
        worker.transition(job, to: .generating) { d in
            d.upstreamTaskID = taskID; d.phase = .upstreamQueued; d.heartbeatAt = t
            d.canCancel = JobActions.canCancel(status: .generating, phase: .upstreamQueued, protocol: job.request.protocol)
        }
    }

    /// The create call's outcome is unknown. Where the dialect lists tasks, look for ours; else
    /// (or when it can't be told) end the job `ambiguous`. Never resubmits.
    func reconcile(_ job: inout ActiveJob, _ dialect: TaskDialect, _ upstream: UpstreamJob, _ auth: String,
                   failure: JobFailure) -> Bool {
        var f = failure
        let since = job.state.submittedAt ?? job.request.createdAt
        if let search = dialect.searchRequest(job: upstream, since: since) {
            // A task created a moment ago may take a little while to show in the list.
            for attempt in 0..<3 {
                if attempt > 0 { worker.sleep(config.pollInterval) }
                let (_, answer) = exchange(search, auth: auth, timeout: 30)
                let result = answer.map { dialect.parseSearch($0, job: upstream, since: since, exclude: claimedTaskIDs(except: job.id)) }
                    ?? .unavailable("the task list did not answer")
                switch result {
                case .found(let taskID):
                    worker.log.write("create_reconciled", job: job.id, fields: ["task": taskID])
                    accept(&job, taskID: taskID)
                    return true
                case .notFound:
                    f.params["upstream_task_search"] = "not_found"
                    if attempt == 2 { break }
                    continue
                case .unavailable(let why):
                    f.params["upstream_task_search"] = "unavailable"
                    worker.log.write("create_search_failed", job: job.id, fields: ["why": why])
                }
                break
            }
        }
        // Unknown whether the upstream bills it: keep it counted.
        worker.charge(job)
        worker.fail(&job, f)
        return false
    }

    /// Task ids other jobs of the last days already follow (so a search never adopts theirs).
    func claimedTaskIDs(except id: String) -> Set<String> {
        let cutoff = now.addingTimeInterval(-8 * 86400)
        var out = Set<String>()
        for other in FileIO.list(spool.jobsDir).filter(JobID.isValid) where other != id {
            if let t = JobID.date(of: other), t < cutoff { continue }
            if let task = spool.readState(other).upstreamTaskID { out.insert(task) }
        }
        return out
    }

    // MARK: follow

    func follow(_ job: inout ActiveJob, _ dialect: TaskDialect, _ upstream: UpstreamJob, _ auth: String) {
        guard let taskID = job.state.upstreamTaskID else { return }
        let submitted = job.state.submittedAt ?? job.request.createdAt
        let start = max(submitted, job.state.followAgainAt ?? submitted)
        let deadline = start.addingTimeInterval(Double(job.request.deadlineSeconds))
        var notFound = 0, authFailures = 0, lastWrite = Date.distantPast
        var lastPhase: JobPhase? = nil, lastProgress: Double? = nil, lastStage = ""
        if spool.readStatus(job.id)?.status == .failed {
            worker.transition(job, to: .generating) { d in d.phase = .generating; d.error = nil; d.finishedAt = nil; d.canRetry = false }
        }
        worker.log.write("follow", job: job.id, fields: ["task": taskID])
        while true {
            let (outcome, answer) = exchange(dialect.pollRequest(taskID: taskID, job: upstream), auth: auth, timeout: 60)
            let poll: PollAnswer = answer.map { dialect.parsePoll($0, job: upstream, taskID: taskID) }
                ?? .transient("curl \(outcome.curlCode): \(outcome.errorMessage)", retryAfter: nil)
            if case .transient(let why, _) = poll, let status = answer?.status, status == 401 || status == 403 {
                authFailures += 1
                if authFailures >= Self.authFailureLimit {
                    worker.fail(&job, JobFailure(.upstream, "auth", ["status": .int(Int64(status)), "resumable": true], detail: why))
                    return
                }
            } else {
                authFailures = 0
            }
            var wait: Double? = nil
            switch poll {
            case .running(let p):
                notFound = 0
                let t = now
                let changed = p.phase != lastPhase || p.progress != lastProgress || p.stage != lastStage
                if changed || t.timeIntervalSince(lastWrite) >= 10 {
                    lastPhase = p.phase; lastProgress = p.progress; lastStage = p.stage; lastWrite = t
                    worker.transition(job, to: .generating) { d in
                        d.phase = p.phase; d.stage = String(p.stage.prefix(200)); d.heartbeatAt = t
                        if let pr = p.progress { d.progress = max(d.progress, min(99, pr)) }
                        d.canCancel = JobActions.canCancel(status: .generating, phase: p.phase, protocol: job.request.protocol)
                    }
                }
            case .succeeded(let result):
                finish(&job, result)
                return
            case .failed(let failure, let billed):
                if !billed { worker.release(job) }
                worker.fail(&job, failure, progress: lastProgress)
                return
            case .cancelled:
                worker.release(job)
                let t = now
                worker.transition(job, to: .cancelled) { d in d.phase = .cancelled; d.finishedAt = t; d.canRetry = false }
                worker.log.write("job_cancelled", job: job.id, fields: ["task": taskID])
                return
            case .unrecognized(let status):
                notFound = 0
                worker.log.write("poll_unknown_status", job: job.id, fields: ["status": String(status.prefix(60))])
                worker.transition(job) { d in d.stage = String(status.prefix(200)); d.heartbeatAt = self.now }
            case .transient(let why, let after):
                worker.log.write("poll_failed", job: job.id, fields: ["why": Scrub.text(why)])
                wait = after
            case .notFound(let why):
                notFound += 1
                if notFound >= Self.notFoundLimit {
                    worker.fail(&job, JobFailure(.upstream, "task_unknown", [:], detail: why), progress: lastProgress)
                    return
                }
            }
            if now >= deadline {
                worker.fail(&job, JobFailure(.timeout, "deadline", ["seconds": .int(Int64(job.request.deadlineSeconds)), "resumable": true],
                                             detail: "the task was still running at our deadline; it was not cancelled upstream"),
                            progress: lastProgress)
                return
            }
            let elapsed = now.timeIntervalSince(start)
            var interval = elapsed < config.pollFastWindow ? config.pollInterval : config.pollSlowInterval
            if let ms = answer?.headers["openai-poll-after-ms"].flatMap(Double.init) { interval = min(60, max(0.05, ms / 1000)) }
            if let wait { interval = max(interval, min(wait, 120)) }
            worker.sleep(min(interval, max(0.05, deadline.timeIntervalSince(now))))
        }
    }

    /// A finished task: the link first (fsync), then the settled price, then the transfer. A
    /// success without a URL is still billed by what the upstream reports; it ends `no_link`.
    func finish(_ job: inout ActiveJob, _ result: TaskResult) {
        let t = now
        if let url = result.videoURL {
            job.state.upstreamLink = url
            job.state.linkNeedsAuth = result.videoNeedsAuth
            job.state.linkExpiryEstimated = result.expiresAt == nil
            job.state.upstreamLinkExpiresAt = result.expiresAt ?? t.addingTimeInterval(Double(config.linkTTL))
            job.state.posterLink = result.posterURL
            job.state.posterNeedsAuth = result.posterNeedsAuth
        }
        job.state.usage = result.usage
        worker.persist(job)
        let model = config.catalog.model(id: job.request.model)
        let settled = result.usage.flatMap { u in
            (model?.price).flatMap { $0.settle(usage: u, resolution: job.request.params["resolution"]?.stringValue) }
        }
        if let settled { worker.book(job, .settle, settled) }
        let j = job
        worker.transition(job, to: .generating) { d in
            d.progress = max(d.progress, 99); d.phase = .generating
            d.usage = result.usage
            if let settled { d.costUSD = settled; d.costState = .settled }
            if let a = result.actualPrompt, !a.isEmpty { d.actualPrompt = a }
            if let s = result.size { d.width = s.width; d.height = s.height }
            d.linkExpiresAt = j.state.upstreamLinkExpiresAt; d.linkExpiryEstimated = j.state.upstreamLink == nil ? nil : j.state.linkExpiryEstimated
            d.canCancel = false
        }
        guard let url = result.videoURL else {
            worker.fail(&job, JobFailure(.noLink, "succeeded_without_url", [:], detail: "the task succeeded without a video URL"))
            return
        }
        worker.log.write("result_ready", job: job.id, fields: ["host": URLOrigin(url)?.host ?? "",
                                                               "expires_at": SpoolJSON.isoString(job.state.upstreamLinkExpiresAt ?? t)])
        Transfer(worker: worker).run(&job)
    }
}
