#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Answers the JSON API (docs/contract.md). Knows nothing about FastCGI: the responder turns its
/// request into an `APIRequest` and writes the `APIResponse` back. Process spawning and the
/// network are injected (`launchWorker`, `transport`).
public struct Router: Sendable {
    public let config: Config
    public let spool: Spool
    public let store: VideoStore
    /// Starts a detached `sora worker <id>`; returns false if it could not (the job stays queued
    /// and `sora reap` starts it later).
    public let launchWorker: @Sendable (String) -> Bool
    /// Starts a worker for a job just queued by a submit. The responder's version starts none
    /// while another worker is still starting (that one starts the next): fifty workers starting
    /// at once took most of the CPU from the submits of a burst.
    public var launchQueued: @Sendable (String) -> Bool
    public let transport: HTTPTransport
    public let now: @Sendable () -> Date
    public var auth: Auth { Auth(settings: config.auth, spool: spool, now: now) }

    public init(config: Config, spool: Spool, store: VideoStore, transport: HTTPTransport = CurlTransport(),
                launchWorker: @escaping @Sendable (String) -> Bool, now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config; self.spool = spool; self.store = store; self.transport = transport
        self.launchWorker = launchWorker; self.launchQueued = launchWorker; self.now = now
    }

    /// Routes one request. Never throws: every failure becomes a JSON error.
    public func handle(_ req: APIRequest) -> APIResponse {
        guard let range = req.path.range(ofText: "/api/") else { return .error(APIError(404, "not_found", "no such endpoint")) }
        var parts = req.path[range.upperBound...].split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        // Whatever follows `status/` or `jobs/` up to a known action is the id, slashes included,
        // so a traversal attempt (`status/../../etc`) is refused by the id check, not routed elsewhere.
        if parts.count > 2, parts[0] == "status" { parts = [parts[0], parts[1...].joined(separator: "/")] }
        if parts.count > 2, parts[0] == "jobs" {
            let actions = ["cancel", "retry", "retry-transfer"]
            if parts.count > 3, parts[parts.count - 2] == "image" {
                parts = ["jobs", parts[1..<(parts.count - 2)].joined(separator: "/"), "image", parts[parts.count - 1]]
            } else if let last = parts.last, actions.contains(last) {
                parts = ["jobs", parts[1..<(parts.count - 1)].joined(separator: "/"), last]
            } else {
                parts = ["jobs", parts[1...].joined(separator: "/")]
            }
        }
        let method = req.method.uppercased()
        let prefix = String(req.path[..<range.lowerBound])
        switch (method, parts) {
        case ("POST", ["login"]): return login(req, prefix: prefix)
        case ("POST", ["logout"]): return .json(200, ["signed_in": false],
                                                 headers: [("Set-Cookie", auth.setCookie(nil, prefix: prefix, https: req.isHTTPS))])
        case (_, ["login"]), (_, ["logout"]):
            return .error(APIError(405, "method_not_allowed", "\(method) is not allowed here", params: ["method": .string(method)]))
        default: break
        }
        let caller: Caller
        switch auth.check(req) {
        case .success(let c): caller = c
        case .failure(let e):
            // Anyone may ask whether the service is up; nothing else without signing in.
            if parts == ["health"] && (method == "GET" || method == "HEAD") && e.status == 401 {
                return .json(200, ["ok": FileIO.exists(spool.statusDir)])
            }
            return .error(e)
        }
        do {
            switch (method, parts.count, parts.first) {
            case ("GET", 1, "health"), ("HEAD", 1, "health"): return health()
            case ("GET", 1, "models"): return models()
            case ("GET", 1, "session"): return session(caller)
            case ("POST", 1, "generate"): return try generate(req)
            case ("GET", 2, "status"): return try status(parts[1])
            case ("GET", 1, "jobs"): return try jobs(req)
            case ("DELETE", 2, "jobs"): return try delete(parts[1])
            case ("POST", 3, "jobs") where parts[2] == "cancel": return try cancel(parts[1])
            case ("POST", 3, "jobs") where parts[2] == "retry" || parts[2] == "retry-transfer": return try retry(parts[1])
            case ("GET", 4, "jobs") where parts[2] == "image": return try image(parts[1], which: parts[3])
            case (_, 1, "health"), (_, 1, "models"), (_, 1, "session"), (_, 1, "generate"), (_, 2, "status"), (_, 1, "jobs"),
                 (_, 2, "jobs"), (_, 3, "jobs"), (_, 4, "jobs"):
                return .error(APIError(405, "method_not_allowed", "\(method) is not allowed here", params: ["method": .string(method)]))
            default:
                return .error(APIError(404, "not_found", "no such endpoint"))
            }
        } catch let e as APIError {
            return .error(e)
        } catch {
            return .error(APIError(500, "internal", "the request could not be completed"))
        }
    }

    // MARK: read-only routes

    func health() -> APIResponse {
        struct Health: Encodable {
            struct Upstream: Encodable {
                var baseURL: String; var simulated: Bool; var keyConfigured: Bool
                enum CodingKeys: String, CodingKey { case simulated; case baseURL = "base_url"; case keyConfigured = "key_configured" }
            }
            struct Workers: Encodable { var max: Int; var running: Int; var queued: Int }
            var ok: Bool; var upstream: Upstream; var storage: [String: String]; var workers: Workers; var problems: [ConfigProblem]
        }
        let spoolOK = FileIO.exists(spool.statusDir)
        var problems = config.problems
        if !spoolOK { problems.append(ConfigProblem(setting: "SORA_SPOOL_DIR", message: "spool directory is missing or unreadable")) }
        let h = Health(ok: problems.isEmpty,
                       upstream: .init(baseURL: config.baseURL, simulated: config.simulated, keyConfigured: !config.apiKey.isEmpty),
                       storage: ["backend": config.storage?.backend.rawValue ?? "misconfigured",
                                 "summary": config.storage?.summary ?? "invalid storage settings"],
                       workers: .init(max: config.maxWorkers, running: spool.runningWorkers(max: config.maxWorkers),
                                      queued: spool.queuedCount()),
                       problems: problems)
        return .json(200, h)
    }

    func models() -> APIResponse {
        let measured = ModelTimings(spool: spool).typicalSeconds()
        var list = config.catalog.models
        for i in list.indices { if let s = measured[list[i].id] { list[i].typicalSeconds = s } }
        return .json(200, ["models": list])
    }

    struct Session: Encodable {
        var signedIn: Bool; var via: String; var feedURL: String?; var spend: Feed.Spend; var deleteMediaWithJob: Bool
        enum CodingKeys: String, CodingKey {
            case spend, via
            case signedIn = "signed_in", feedURL = "feed_url", deleteMediaWithJob = "delete_media_with_job"
        }
    }

    /// What a signed-in page needs: the change feed's URL, today's spend, how delete behaves.
    func session(_ caller: Caller) -> APIResponse {
        let feed = Feed(spool: spool).fileName().map { "\(config.publicBaseURL)\(config.statusURLPrefix)/\($0)" }
        let via = switch caller { case .open: "open"; case .token: "token"; case .session: "session" }
        return .json(200, Session(signedIn: true, via: via, feedURL: feed,
                                  spend: Feed.spend(spool.ledger, budget: config.dailyBudgetUSD, now: now()),
                                  deleteMediaWithJob: config.deleteMediaWithJob))
    }

    /// `POST /api/login {"password"}`: a session cookie, with failed attempts throttled per client.
    func login(_ req: APIRequest, prefix: String) -> APIResponse {
        if let refused = auth.crossSite(req) { return .error(refused) }
        guard config.auth.enabled else { return session(.open) }
        let throttle = LoginThrottle(spool: spool)
        let client = req.remoteAddress.isEmpty ? "unknown" : req.remoteAddress
        if let wait = throttle.wait(client: client, now: now()) {
            return .error(APIError(429, "too_many_attempts", "too many failed sign-ins; wait a little",
                                   params: ["retry_after": .number(wait)], headers: ["Retry-After": String(Int(wait))]))
        }
        guard let json = JSONValue.parse(req.body), case .string(let password)? = json["password"], !password.isEmpty,
              password.utf8.count <= 1024 else {
            return .error(APIError(400, "invalid_json", "send {\"password\": \"…\"}"))
        }
        guard auth.passwordMatches(password) else {
            throttle.record(client: client, success: false, now: now())
            EventLog(path: spool.eventsLog).write("login_failed", job: nil, fields: ["client": Spool.sha256Hex(Array(client.utf8)).prefix(12).description])
            return .error(APIError(401, "bad_password", "that is not the admin password"))
        }
        throttle.record(client: client, success: true, now: now())
        guard let cookie = auth.newSession() else {
            return .error(APIError(503, "spool_unavailable", "the session key could not be read or made"))
        }
        var answer = session(.session)
        answer.headers.append(("Set-Cookie", auth.setCookie(cookie, prefix: prefix, https: req.isHTTPS)))
        return answer
    }

    func status(_ id: String) throws -> APIResponse {
        guard JobID.isValid(id) else { throw APIError.invalidID(id) }
        // The status file is already the answer (nginx serves the same bytes); only signed
        // media URLs of a private store need it decoded and re-encoded.
        if !config.storageIsPrivate {
            guard let bytes = FileIO.read(spool.statusPath(id)) else { throw APIError.notFound }
            return APIResponse(status: 200, headers: [("Cache-Control", "no-store")], body: bytes, contentType: "application/json")
        }
        guard let doc = spool.readStatus(id) else { throw APIError.notFound }
        return .json(200, fresh(doc), headers: [("Cache-Control", "no-store")])
    }

    func jobs(_ req: APIRequest) throws -> APIResponse {
        let q = req.queryItems
        let limit = q["limit"].flatMap { Int($0) } ?? 50
        guard (1...200).contains(limit) else {
            throw APIError(400, "invalid_limit", "limit must be 1–200", params: ["min": 1, "max": 200])
        }
        let before = q["before"].flatMap { $0.isEmpty ? nil : $0 }
        if let before, !JobID.isValid(before) { throw APIError.invalidID(before) }
        let state = q["status"].flatMap { $0.isEmpty ? nil : $0 }
        if let state, JobState(rawValue: state) == nil {
            throw APIError(400, "invalid_status", "unknown status filter", params: ["status": .string(String(state.prefix(20)))])
        }
        let query = LibraryQuery(status: state.flatMap(JobState.init), model: q["model"].flatMap { $0.isEmpty ? nil : $0 },
                                 text: q["q"].flatMap { $0.isEmpty ? nil : $0 }, before: before, limit: limit)
        // The index answers; while it is being rebuilt elsewhere, the status files do.
        let found = spool.index.page(query) ?? query.scan(spool)
        var page: [StatusDocument] = []
        for id in found.ids {
            if let doc = spool.readStatus(id) { page.append(fresh(doc)) } else { spool.index.remove(id) }  // deleted meanwhile
        }
        struct Page: Encodable {
            var jobs: [StatusDocument]; var nextBefore: String?; var todayCostUSD: Double; var total: Int; var totalCapped: Bool
            enum CodingKeys: String, CodingKey {
                case jobs, total; case totalCapped = "total_capped"; case nextBefore = "next_before"; case todayCostUSD = "today_cost_usd"
            }
            func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(jobs, forKey: .jobs); try c.encode(total, forKey: .total); try c.encode(totalCapped, forKey: .totalCapped)
                try c.encode(nextBefore, forKey: .nextBefore)  // explicit null on the last page
                try c.encode(todayCostUSD, forKey: .todayCostUSD)
            }
        }
        let today = spool.ledger.summary(day: Ledger.day(now())).spentUSD
        return .json(200, Page(jobs: page, nextBefore: found.more ? found.ids.last : nil, todayCostUSD: today, total: found.total,
                               totalCapped: found.capped))
    }

    /// For a private bucket, signed URLs made now (the ones in the status file may have expired).
    func fresh(_ doc: StatusDocument) -> StatusDocument {
        guard config.storageIsPrivate else { return doc }
        var d = doc
        if let key = doc.videoKey { d.videoURL = store.publicURL(key: key) }
        if let key = doc.posterKey { d.posterURL = store.publicURL(key: key) }
        return d
    }

    /// A job's uploaded frame, for the page's *Edit*.
    func image(_ id: String, which: String) throws -> APIResponse {
        guard JobID.isValid(id) else { throw APIError.invalidID(id) }
        guard let request = spool.readRequest(id) else { throw APIError.notFound }
        let frame = which == "first" ? request.firstFrame : which == "last" ? request.lastFrame : nil
        guard let file = frame?.file, let bytes = FileIO.read(spool.jobDir(id) + "/" + file) else {
            throw APIError(404, "not_found", "this job has no uploaded \(which) frame")
        }
        return APIResponse(status: 200, headers: [("Cache-Control", "private, max-age=3600")], body: bytes,
                           contentType: frame?.mime ?? "application/octet-stream")
    }
}
