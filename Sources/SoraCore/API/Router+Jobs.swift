#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The routes that change jobs: generate, delete, cancel, retry.
extension Router {
    struct Accepted: Encodable {
        var taskID: String; var status: JobState; var statusURL: String; var model: String; var mode: GenerationMode
        var params: [String: JSONScalar]; var priceUSD: Double; var duration: Int; var origPrompt: String; var actualPrompt: String
        enum CodingKeys: String, CodingKey {
            case status, model, mode, params, duration
            case taskID = "task_id"; case statusURL = "status_url"; case priceUSD = "price_usd"
            case origPrompt = "orig_prompt"; case actualPrompt = "actual_prompt"
        }
        init(_ d: StatusDocument) {
            taskID = d.taskID; status = d.status; statusURL = d.statusURL; model = d.model; mode = d.mode; params = d.params
            priceUSD = d.priceUSD; duration = d.duration; origPrompt = d.origPrompt; actualPrompt = d.actualPrompt
        }
    }

    func generate(_ req: APIRequest) throws -> APIResponse {
        let type = (req.contentType ?? "").split(separator: ";").first.map { $0.trimmed.lowercased() } ?? ""
        guard type == "application/json" else {
            throw APIError(415, "unsupported_media_type", "send the request as application/json")
        }
        if (req.contentLength ?? req.body.count) > config.maxBodyBytes || req.body.count > config.maxBodyBytes {
            throw APIError(413, "body_too_large", "the request body is over the limit", params: ["max_bytes": .int(Int64(config.maxBodyBytes))])
        }
        if let key = req.idempotencyKey, key.isEmpty || key.count > 200 || key.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw APIError(400, "invalid_idempotency_key", "Idempotency-Key must be 1–200 printable characters")
        }
        // A paid generation whose video could not be kept is money lost: refuse up front.
        if config.storage == nil {
            let names = config.problems.map(\.setting).filter { !$0.hasPrefix("SORA_") }.joined(separator: ",")
            throw APIError(503, "storage_misconfigured", "video storage is not configured correctly; see /api/health",
                           params: ["settings": .string(names)])
        }
        var input = try GenerateInput.parse(body: req.body, catalog: config.catalog,
                                            limits: GenerateLimits(maxPromptLength: config.maxPromptLength, maxImageBytes: config.maxImageBytes))
        var frames: [Spool.FrameFile] = []
        var first: FrameInput?, last: FrameInput?
        if let from = input.imagesFrom {
            guard let source = spool.readRequest(from) else { throw APIError(400, "images_from_invalid", "no such job to take images from") }
            func copy(_ f: FrameInput?, _ name: String) throws -> (FrameInput?, FrameValue?) {
                guard let f else { return (nil, nil) }
                if let url = f.url { return (FrameInput(url: url), .url(url)) }
                guard let file = f.file, let bytes = FileIO.read(spool.jobDir(from) + "/" + file) else {
                    throw APIError(400, "images_from_invalid", "that job's images are gone")
                }
                let ext = Path.fileExtension(file)
                frames.append(.init(name: "\(name).\(ext)", bytes: bytes))
                return (FrameInput(file: "\(name).\(ext)", mime: f.mime), .image(DecodedImage(bytes: [], mime: f.mime ?? "", fileExtension: ext)))
            }
            (first, input.firstFrame) = try copy(source.firstFrame, "first")
            (last, input.lastFrame) = try copy(source.lastFrame, "last")
            try input.checkMode()
            input.params = try GenerateInput.resolveParams(JSONValue.parse(req.body).flatMap {
                if case .object(let o) = $0 { o } else { nil } } ?? [:], model: input.model, mode: input.mode)
        } else {
            func keep(_ v: FrameValue?, _ name: String) -> FrameInput? {
                switch v {
                case .image(let img)?:
                    frames.append(.init(name: "\(name).\(img.fileExtension)", bytes: img.bytes))
                    return FrameInput(file: "\(name).\(img.fileExtension)", mime: img.mime)
                case .url(let u)?: return FrameInput(url: u)
                case nil: return nil
                }
            }
            first = keep(input.firstFrame, "first")
            last = keep(input.lastFrame, "last")
        }

        let bodyHash = Spool.sha256Hex(req.body)
        if let key = req.idempotencyKey, let seen = spool.lookupIdempotency(key: key, bodyHash: bodyHash) {
            return try replay(seen)
        }
        if let max = config.maxQueued, spool.queuedCount(limit: max) >= max {
            throw APIError(503, "queue_full", "\(max) jobs are already waiting; try again later",
                           params: ["max_queued": .int(Int64(max))], headers: ["Retry-After": "30"])
        }

        let created = now()
        let id = JobID.make(now: created)
        let model = input.model
        let price = model.estimate(input.params)
        let day = Ledger.day(created)
        let held: Ledger.Hold
        do { held = try spool.ledger.hold(job: id, usd: price, day: day, budget: config.dailyBudgetUSD) } catch {
            throw APIError(503, "spool_unavailable", "the job could not be saved; nothing was started")
        }
        if case .overBudget(let left) = held {
            throw APIError(402, "budget_exceeded", "today's budget has \(left) USD left; this job costs \(price) USD",
                           params: ["left_usd": .number(left), "price_usd": .number(price), "budget_usd": .number(config.dailyBudgetUSD ?? 0)])
        }
        let size = model.frameSize(input.params)
        let request = JobRequest(taskID: id, model: model.id, upstreamModel: model.upstreamModel, protocol: model.protocol,
                                 baseURL: config.baseURL(for: model), apiKeyEnv: model.apiKeyEnv ?? "SORA_API_KEY",
                                 prompt: input.prompt, mode: input.mode, params: input.params, firstFrame: first, lastFrame: last,
                                 priceUSD: price, deadlineSeconds: model.deadlineSeconds, createdAt: created)
        let doc = StatusDocument(seq: 1, taskID: id, status: .queued, phase: .queued, model: model.id, upstreamModel: model.upstreamModel,
                                 protocol: model.protocol, mode: input.mode, params: input.params, duration: model.seconds(input.params),
                                 width: size.width, height: size.height, origPrompt: input.prompt,
                                 statusURL: config.statusURL(jobID: id), priceUSD: price, createdAt: created)
        let creation: Spool.Creation
        do {
            creation = try spool.createJob(request: request, frames: frames, status: doc, idempotencyKey: req.idempotencyKey, bodyHash: bodyHash)
        } catch {
            try? spool.ledger.record(job: id, op: .release, usd: 0, day: day)
            throw APIError(503, "spool_unavailable", "the job could not be saved; nothing was started")
        }
        switch creation {
        case .existing, .keyReused:
            // Lost a race with the same key: our hold goes, the first job answers.
            try? spool.ledger.record(job: id, op: .release, usd: 0, day: day)
            return try replay(creation)
        case .created(let d):
            EventLog(path: spool.eventsLog).write("job_created", job: id, fields: [
                "model": model.id, "protocol": model.protocol.rawValue, "mode": input.mode.rawValue,
                "prompt_chars": input.prompt.unicodeScalars.count, "price_usd": price])
            if spool.hasFreeSlot(max: config.maxWorkers) { _ = launchQueued(id) }
            return .json(202, Accepted(d), headers: [("Location", d.statusURL)])
        }
    }

    /// The answer for an Idempotency-Key seen before.
    func replay(_ seen: Spool.Creation) throws -> APIResponse {
        switch seen {
        case .existing(let first): return .json(200, Accepted(first), headers: [("Idempotent-Replayed", "true")])
        case .keyReused(let first):
            throw APIError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different request",
                           params: ["task_id": .string(first.taskID)])
        case .created(let d): return .json(202, Accepted(d))
        }
    }

    func delete(_ id: String) throws -> APIResponse {
        guard JobID.isValid(id) else { throw APIError.invalidID(id) }
        guard let doc = spool.readStatus(id) else { throw APIError.notFound }
        guard doc.status.isTerminal, !FileLock.isHeld(spool.lockPath(id)) else {
            throw APIError(409, "job_running", "the job is still running; delete it once it has finished",
                           params: ["status": .string(doc.status.rawValue)])
        }
        var mediaDeleted = false
        if config.deleteMediaWithJob {
            for key in [doc.videoKey ?? spool.readState(id).storedKey, doc.posterKey].compactMap({ $0 }) {
                try? store.delete(key: key)
                mediaDeleted = true
            }
        }
        if let request = spool.readRequest(id) { Transfer.removePartial(config: config, store: store, spool: spool, request: request) }
        spool.deleteJob(id)
        EventLog(path: spool.eventsLog).write("job_deleted", job: id, fields: ["media_deleted": mediaDeleted])
        return .json(200, ["deleted": JSONScalar.string(id), "media_deleted": .bool(mediaDeleted)])
    }

    /// Cancels a job waiting in our queue at once, or asks the upstream to cancel a task still in
    /// its queue (the worker then sees it cancelled on its next poll).
    func cancel(_ id: String) throws -> APIResponse {
        guard JobID.isValid(id) else { throw APIError.invalidID(id) }
        guard let doc = spool.readStatus(id), let request = spool.readRequest(id) else { throw APIError.notFound }
        func refuse(_ reason: String) -> APIError {
            APIError(409, "not_cancellable", "this job can't be cancelled now", params: ["reason": .string(reason)])
        }
        if doc.status.isTerminal { throw refuse("finished") }
        if doc.status == .queued, let lock = FileLock.tryLock(spool.lockPath(id)) {
            defer { lock.release() }
            let state = spool.readState(id)
            guard state.create == .none else { throw refuse("submitting") }
            spool.dequeue(id)
            try? spool.ledger.record(job: id, op: .release, usd: 0, day: Ledger.day(request.createdAt))
            let t = now()
            let d = try spool.transition(id, to: .cancelled, now: t) { d in
                d.phase = .cancelled; d.finishedAt = t; d.costUSD = 0; d.costState = .released
            }
            spool.renumberQueue(now: t)
            EventLog(path: spool.eventsLog).write("job_cancelled", job: id, fields: ["where": "local_queue"])
            return .json(200, fresh(d))
        }
        guard let dialect = taskDialect(for: request.protocol) else { throw refuse("protocol") }
        let state = spool.readState(id)
        guard let taskID = state.upstreamTaskID, doc.phase == .upstreamQueued else {
            throw refuse(state.upstreamTaskID == nil ? "submitting" : "upstream_running")
        }
        let upstream = UpstreamJob(request: request, paramSpecs: config.catalog.model(id: request.model)?.params ?? [])
        guard var http = dialect.cancelRequest(taskID: taskID, job: upstream) else { throw refuse("protocol") }
        http.connectTimeout = config.connectTimeout
        http.totalTimeout = 20
        let key = config.apiKey(named: request.apiKeyEnv)
        let (outcome, body) = transport.fetch(AuthorizedRequest(http, authorization: key.isEmpty ? nil : "Bearer \(key.reveal())"))
        guard outcome.completed, let head = outcome.head else {
            throw APIError(502, "upstream_unreachable", "the upstream did not answer the cancel request")
        }
        switch dialect.parseCancel(HTTPAnswer(status: head.status, headers: head.headers, body: body)) {
        case .cancelled:
            EventLog(path: spool.eventsLog).write("cancel_requested", job: id, fields: ["task": taskID])
            _ = launchWorker(id)  // a worker that died meanwhile is restarted to record the outcome
            return .json(202, fresh(spool.readStatus(id) ?? doc))
        case .refused:
            throw refuse("upstream_running")
        case .failed(let why):
            throw APIError(502, "upstream_error", "the upstream could not cancel: \(Scrub.text(why))")
        }
    }

    /// Re-runs only what is left of a failed job: the transfer of its result while the link
    /// works, or following its task after our deadline. Never a new create.
    func retry(_ id: String) throws -> APIResponse {
        guard JobID.isValid(id) else { throw APIError.invalidID(id) }
        guard let doc = spool.readStatus(id), let request = spool.readRequest(id) else { throw APIError.notFound }
        let state = spool.readState(id)
        guard doc.status == .failed, let failure = doc.error,
              JobActions.canRetry(failure: failure, state: state, protocol: request.protocol, now: now()) else {
            throw APIError(409, "not_retryable", "only a failed transfer with a working link, or a task that still exists, can be retried",
                           params: ["reason": .string(doc.status == .failed ? (state.linkDead ? "link_dead" : "nothing_left") : "not_failed")])
        }
        guard let lock = FileLock.tryLock(spool.lockPath(id)) else {
            throw APIError(409, "job_running", "a worker is already on this job")
        }
        // Mark the new state now, so the answer (and every poller) sees it at once.
        let next: JobState = state.upstreamLink != nil ? .transferring : .generating
        if next == .generating {
            var s = state
            s.followAgainAt = now()  // a fresh deadline for following the same task
            do { try spool.writeState(id, s) } catch {
                lock.release()
                throw APIError(503, "spool_unavailable", "the retry could not be recorded")
            }
        }
        let d = try spool.transition(id, to: next, now: now()) { d in
            d.phase = next == .transferring ? .downloading : .generating; d.error = nil; d.finishedAt = nil; d.canRetry = false
        }
        lock.release()
        // The worker re-derives what is left from the link or the task id in its state.
        try? spool.enqueue(id)
        _ = launchWorker(id)
        EventLog(path: spool.eventsLog).write("retry_requested", job: id, fields: ["to": next.rawValue])
        return .json(202, fresh(d))
    }
}
