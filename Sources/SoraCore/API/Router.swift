import Foundation

/// Answers the JSON API. Knows nothing about FastCGI: the responder turns its request into an
/// `APIRequest` and writes the `APIResponse` back. Process spawning is injected (`launchWorker`).
public struct Router: Sendable {
    public let config: Config
    public let spool: Spool
    public let store: VideoStore
    /// Starts a detached `sora worker <id>`; returns false if it could not (the job stays queued
    /// and `sora reap` starts it later).
    public let launchWorker: @Sendable (String) -> Bool
    public let now: @Sendable () -> Date

    public init(config: Config, spool: Spool, store: VideoStore,
                launchWorker: @escaping @Sendable (String) -> Bool, now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config; self.spool = spool; self.store = store; self.launchWorker = launchWorker; self.now = now
    }

    /// Routes one request. Never throws: every failure becomes a JSON error.
    public func handle(_ req: APIRequest) -> APIResponse {
        guard let range = req.path.range(of: "/api/") else { return .error(APIError(404, "not_found", "no such endpoint")) }
        var parts = req.path[range.upperBound...].split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // Whatever follows `status/` or `jobs/` is the id, slashes included, so a traversal
        // attempt (`status/../../etc`) is rejected by the id check, not routed elsewhere.
        if parts.count > 2, parts[0] == "status" || (parts[0] == "jobs" && parts.last != "retry-transfer") {
            parts = [parts[0], parts[1...].joined(separator: "/")]
        }
        let method = req.method.uppercased()
        do {
            switch (method, parts.count, parts.first) {
            case ("GET", 1, "health"), ("HEAD", 1, "health"): return health()
            case ("GET", 1, "models"): return .json(200, ["models": config.catalog.models])
            case ("POST", 1, "generate"): return try generate(req)
            case ("GET", 2, "status"): return try status(parts[1])
            case ("GET", 1, "jobs"): return try jobs(req)
            case ("DELETE", 2, "jobs"): return try delete(parts[1])
            case ("POST", 3, "jobs") where parts[2] == "retry-transfer": return try retryTransfer(parts[1])
            case (_, 1, "health"), (_, 1, "models"), (_, 1, "generate"), (_, 2, "status"), (_, 1, "jobs"), (_, 2, "jobs"), (_, 3, "jobs"):
                return .error(APIError(405, "method_not_allowed", "\(method) is not allowed here"))
            default:
                return .error(APIError(404, "not_found", "no such endpoint"))
            }
        } catch let e as APIError {
            return .error(e)
        } catch {
            return .error(APIError(500, "internal", "the request could not be completed: \(error)"))
        }
    }

    // MARK: endpoints

    func health() -> APIResponse {
        struct Health: Encodable {
            struct Upstream: Encodable {
                var baseURL: String; var simulated: Bool; var keyConfigured: Bool
                enum CodingKeys: String, CodingKey { case simulated; case baseURL = "base_url"; case keyConfigured = "key_configured" }
            }
            struct Workers: Encodable { var max: Int; var running: Int; var queued: Int }
            var ok: Bool; var upstream: Upstream; var storage: [String: String]; var workers: Workers; var problems: [ConfigProblem]
        }
        let running = spool.runningWorkers(max: config.maxWorkers)
        let spoolOK = FileIO.exists(spool.statusDir)
        var problems = config.problems
        if !spoolOK { problems.append(ConfigProblem(setting: "SORA_SPOOL_DIR", message: "spool directory is missing or unreadable")) }
        let h = Health(ok: problems.isEmpty,
                       upstream: .init(baseURL: config.baseURL, simulated: config.simulated, keyConfigured: !config.apiKey.isEmpty),
                       storage: ["backend": config.storage?.backend.rawValue ?? "misconfigured",
                                 "summary": config.storage?.summary ?? "invalid storage settings"],
                       workers: .init(max: config.maxWorkers, running: running, queued: spool.queuedJobs().count),
                       problems: problems)
        return .json(200, h)
    }

    struct Accepted: Encodable {
        var taskID: String; var status: JobState; var statusURL: String; var model: String; var duration: Int
        var origPrompt: String; var actualPrompt: String
        enum CodingKeys: String, CodingKey {
            case status, model, duration
            case taskID = "task_id"; case statusURL = "status_url"; case origPrompt = "orig_prompt"; case actualPrompt = "actual_prompt"
        }
        init(_ d: StatusDocument) {
            taskID = d.taskID; status = d.status; statusURL = d.statusURL; model = d.model; duration = d.duration
            origPrompt = d.origPrompt; actualPrompt = d.actualPrompt
        }
    }

    func generate(_ req: APIRequest) throws -> APIResponse {
        let type = (req.contentType ?? "").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard type == "application/json" else {
            throw APIError(415, "unsupported_media_type", "send the request as application/json")
        }
        if (req.contentLength ?? req.body.count) > config.maxBodyBytes || req.body.count > config.maxBodyBytes {
            throw APIError(413, "body_too_large", "the request body is over \(config.maxBodyBytes >> 20) MiB")
        }
        if let key = req.idempotencyKey, key.isEmpty || key.count > 200 || key.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw APIError(400, "invalid_idempotency_key", "Idempotency-Key must be 1–200 printable characters")
        }
        // A paid generation whose video could not be kept is money lost: refuse up front.
        if config.storage == nil {
            let names = config.problems.map(\.setting).filter { !$0.hasPrefix("SORA_") }.joined(separator: ", ")
            throw APIError(503, "storage_misconfigured", "video storage is not configured correctly (\(names)); see /api/health")
        }
        let input = try GenerateInput.parse(body: req.body, catalog: config.catalog,
                                            limits: GenerateLimits(maxPromptLength: config.maxPromptLength, maxImageBytes: config.maxImageBytes))
        let created = now()
        let id = JobID.make(now: created)
        let request = JobRequest(taskID: id, model: input.model.id, upstreamModel: input.model.upstreamModel, prompt: input.prompt,
                                 imageFile: nil, imageMIME: input.image?.mime, imageURL: input.imageURL,
                                 priceUSD: input.model.priceUSD, createdAt: created)
        let doc = StatusDocument(seq: 1, taskID: id, status: .queued, progress: 0, stage: "",
                                 model: input.model.id, upstreamModel: input.model.upstreamModel, mode: input.mode,
                                 duration: input.model.duration, width: input.model.width, height: input.model.height,
                                 origPrompt: input.prompt, actualPrompt: input.prompt, statusURL: config.statusURL(jobID: id),
                                 costUSD: 0, createdAt: created, updatedAt: created)
        let creation: Spool.Creation
        do {
            creation = try spool.createJob(request: request, image: input.image?.bytes, imageExtension: input.image?.fileExtension,
                                           status: doc, idempotencyKey: req.idempotencyKey)
        } catch {
            throw APIError(503, "spool_unavailable", "the job could not be saved; nothing was started")
        }
        switch creation {
        case .existing(let first):
            return .json(200, Accepted(first), headers: [("Idempotent-Replayed", "true")])
        case .created(let d):
            EventLog(path: spool.eventsLog).write("job_created", job: id, fields: [
                "model": input.model.id, "upstream_model": input.model.upstreamModel, "mode": input.mode.rawValue,
                "prompt_chars": input.prompt.count, "image_bytes": input.image?.bytes.count ?? 0,
                "image_url": input.imageURL != nil])
            _ = launchWorker(id)
            return .json(202, Accepted(d), headers: [("Location", d.statusURL)])
        }
    }

    func status(_ id: String) throws -> APIResponse {
        guard JobID.isValid(id) else { throw APIError.invalidID(id) }
        guard let doc = spool.readStatus(id) else { throw APIError.notFound }
        return .json(200, fresh(doc), headers: [("Cache-Control", "no-store")])
    }

    func jobs(_ req: APIRequest) throws -> APIResponse {
        let q = req.queryItems
        let limit = q["limit"].flatMap { Int($0) } ?? 50
        guard (1...200).contains(limit) else { throw APIError(400, "invalid_limit", "limit must be 1–200") }
        let before = q["before"].flatMap { $0.isEmpty ? nil : $0 }
        if let before, !JobID.isValid(before) { throw APIError.invalidID(before) }
        let state = q["status"].flatMap { $0.isEmpty ? nil : $0 }
        if let state, JobState(rawValue: state) == nil { throw APIError(400, "invalid_status", "unknown status filter \"\(state.prefix(20))\"") }
        let model = q["model"].flatMap { $0.isEmpty ? nil : $0 }
        let text = q["q"].flatMap { $0.isEmpty ? nil : $0.lowercased() }

        let ids = spool.allJobIDs()
        var page: [StatusDocument] = []
        var more = false
        for id in ids where before.map({ id < $0 }) ?? true {
            guard let doc = spool.readStatus(id) else { continue }
            if let state, doc.status.rawValue != state { continue }
            if let model, doc.model != model { continue }
            if let text, !doc.origPrompt.lowercased().contains(text) { continue }
            if page.count == limit { more = true; break }
            page.append(fresh(doc))
        }
        let today = spool.spend(on: now())  // UTC day, from the append-only ledger

        struct Page: Encodable {
            var jobs: [StatusDocument]; var nextBefore: String?; var todayCostUSD: Double; var total: Int
            enum CodingKeys: String, CodingKey { case jobs, total; case nextBefore = "next_before"; case todayCostUSD = "today_cost_usd" }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(jobs, forKey: .jobs); try c.encode(total, forKey: .total)
                try c.encode(nextBefore, forKey: .nextBefore)  // explicit null on the last page
                try c.encode((todayCostUSD * 10000).rounded() / 10000, forKey: .todayCostUSD)
            }
        }
        return .json(200, Page(jobs: page, nextBefore: more ? page.last?.taskID : nil, todayCostUSD: today, total: ids.count))
    }

    /// For a private bucket, a signed URL made now (the one in the status file may have expired).
    func fresh(_ doc: StatusDocument) -> StatusDocument {
        guard config.storageIsPrivate, let key = doc.videoKey else { return doc }
        var d = doc
        d.videoURL = store.publicURL(key: key)
        return d
    }

    func delete(_ id: String) throws -> APIResponse {
        guard JobID.isValid(id) else { throw APIError.invalidID(id) }
        guard let doc = spool.readStatus(id) else { throw APIError.notFound }
        guard doc.status.isTerminal, !FileLock.isHeld(spool.lockPath(id)) else {
            throw APIError(409, "job_running", "the job is still \(doc.status.rawValue); delete it once it has finished")
        }
        if config.deleteMediaWithJob, let key = doc.videoKey ?? spool.readState(id).storedKey { try? store.delete(key: key) }
        spool.deleteJob(id)
        EventLog(path: spool.eventsLog).write("job_deleted", job: id, fields: [:])
        return .json(200, ["deleted": id])
    }

    func retryTransfer(_ id: String) throws -> APIResponse {
        guard JobID.isValid(id) else { throw APIError.invalidID(id) }
        guard let doc = spool.readStatus(id) else { throw APIError.notFound }
        let state = spool.readState(id)
        guard doc.status == .failed, doc.error?.kind == .transfer || doc.error?.kind == .interrupted,
              state.upstreamLink != nil, let exp = state.upstreamLinkExpiresAt, exp > now() else {
            throw APIError(409, "not_retryable", "only a failed transfer whose upstream link is still valid can be retried")
        }
        guard !FileLock.isHeld(spool.lockPath(id)) else { throw APIError(409, "job_running", "a worker is already on this job") }
        try? spool.enqueue(id)
        _ = launchWorker(id)
        return .json(202, Accepted(doc))
    }
}
