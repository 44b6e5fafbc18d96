import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs jobs: one generation request upstream (never more), progress into the status file, the
/// video link saved the moment it appears, then the transfer into durable storage.
///
/// Safety rules that shape this code:
/// - `WorkerState.submissions` is written *before* the request is sent; a job with a submission
///   on record is never sent again (money), only its transfer may be resumed.
/// - The job lock is held for the whole run; the kernel drops it if the worker dies, which is
///   how `reap` tells a dead worker from a slow one.
public final class Worker {
    let config: Config
    let spool: Spool
    let store: VideoStore
    let log: EventLog
    let now: () -> Date

    public init(config: Config, spool: Spool, store: VideoStore, now: @escaping () -> Date = { Date() }) {
        self.config = config; self.spool = spool; self.store = store; self.now = now
        self.log = EventLog(path: spool.eventsLog)
    }

    // MARK: slots and queue

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
        while true {
            guard let slot = acquireSlot() else { return ran }  // over the limit: job stays queued
            while let id = candidate ?? spool.queuedJobs().first(where: { !FileLock.isHeld(spool.lockPath($0)) }) {
                candidate = nil
                if run(jobID: id) { ran += 1 }
            }
            slot.release()
            // A job queued while we were releasing the slot would wait for the reaper; look once more.
            guard spool.queuedJobs().contains(where: { !FileLock.isHeld(spool.lockPath($0)) }) else { return ran }
        }
    }

    /// Runs one job if no other worker has it. Returns false when it was not ours to run.
    @discardableResult
    public func run(jobID id: String) -> Bool {
        guard JobID.isValid(id), FileIO.exists(spool.jobDir(id)) else { spool.dequeue(id); return false }
        guard let lock = FileLock.tryLock(spool.lockPath(id)) else { return false }
        defer { lock.release() }
        spool.dequeue(id)
        guard let doc = spool.readStatus(id), let request = spool.readRequest(id) else { return false }
        var state = spool.readState(id)
        let t = now()

        if doc.status == .succeeded { return false }
        if let link = state.upstreamLink {
            // Resume (or retry) only the transfer; the generation is already paid for.
            if doc.status == .failed && doc.error?.kind != .transfer && doc.error?.kind != .interrupted { return false }
            if let exp = state.upstreamLinkExpiresAt, exp <= t {
                fail(id, JobFailure(kind: .transfer, message: "视频临时链接已过期（上游链接只保留 1 天），无法再转存。",
                                    detail: "upstream link expired at \(SpoolJSON.isoString(exp))"))
                return true
            }
            log.write("transfer_resumed", job: id, fields: [:])
            transfer(id, request: request, link: link, state: &state)
            return true
        }
        if doc.status.isTerminal { return false }
        if state.submissions > 0 {
            fail(id, JobFailure(kind: .interrupted,
                                message: "任务在拿到视频链接前中断（工作进程退出）。为避免重复扣费，系统没有自动重新提交；如需要，请重新生成。",
                                detail: "worker stopped after the upstream request was sent and before a video link arrived"))
            return true
        }
        generate(id, request: request, state: &state)
        return true
    }

    // MARK: generation

    func generate(_ id: String, request: JobRequest, state: inout WorkerState) {
        if config.apiKey.isEmpty {
            fail(id, JobFailure(kind: .config, message: "服务器未配置 SORA_API_KEY，无法生成。请联系管理员。", detail: "SORA_API_KEY is not set"))
            return
        }
        guard let base = URL(string: config.baseURL), ["http", "https"].contains(base.scheme?.lowercased() ?? "") else {
            fail(id, JobFailure(kind: .config, message: "服务器的 SORA_BASE_URL 配置无效。请联系管理员。", detail: "SORA_BASE_URL is not an http(s) URL"))
            return
        }
        let body: [UInt8]
        do { body = try requestBody(id, request) } catch {
            fail(id, JobFailure(kind: .config, message: "读取任务输入失败，任务未提交。", detail: "\(error)"))
            return
        }

        // Record the submission before sending: a crash from here on must never lead to a resend.
        state.submissions += 1
        state.submittedAt = now()
        do { try spool.writeState(id, state) } catch {
            fail(id, JobFailure(kind: .config, message: "无法写入任务状态，任务未提交。", detail: "\(error)"))
            return
        }
        _ = try? spool.updateStatus(id, now: now()) { d in
            d.status = .generating; d.startedAt = self.now(); d.heartbeatAt = self.now(); d.stage = "已提交，等待上游响应…"
        }
        log.write("upstream_submit", job: id, fields: ["model": request.model, "upstream_model": request.upstreamModel,
                                                        "mode": request.imageFile != nil || request.imageURL != nil ? "image_to_video" : "text_to_video",
                                                        "base_url_host": base.host ?? ""])

        var http = HTTPRequest(method: "POST", url: config.baseURL + "/chat/completions",
                               headers: [("Authorization", "Bearer \(config.apiKey)"), ("Content-Type", "application/json"),
                                         ("Accept", "text/event-stream")],
                               body: .bytes(body))
        http.connectTimeout = config.connectTimeout
        http.totalTimeout = config.generationTimeout
        http.lowSpeedLimit = 1
        http.lowSpeedTime = config.stallTimeout

        var parser = SSEParser()
        var reader = ChatStreamReader()
        var isStream = false
        var errorBody: [UInt8] = []
        var lastWrite = Date.distantPast
        var lastProgress: Double = -1
        var lastStage = ""
        var savedLink: String? = nil
        var stateCopy = state
        let started = now()

        var handlers = HTTPHandlers()
        handlers.head = { head in
            isStream = head.status == 200 && head.mediaType == "text/event-stream"
            return true
        }
        handlers.data = { chunk in
            guard isStream else {
                if errorBody.count < 65536 { errorBody.append(contentsOf: chunk.prefix(65536 - errorBody.count)) }
                return true
            }
            for event in parser.feed(chunk) { reader.consume(event) }
            if savedLink == nil, let link = reader.earlyVideoLink {
                savedLink = link
                self.captureLink(id, link: link, taskID: reader.upstreamTaskID, state: &stateCopy)
            }
            flush(false)
            return true
        }
        // Progress goes to the status file at most about once a second; a change that arrives
        // just before a long silence is flushed by the idle tick, which also heartbeats.
        func flush(_ idle: Bool) {
            let t = self.now()
            let p = reader.progress ?? 0
            let changed = p != lastProgress || reader.stage != lastStage
            if changed && t.timeIntervalSince(lastWrite) >= 1 {
                lastWrite = t; lastProgress = p; lastStage = reader.stage
                self.progress(id, progress: p, stage: reader.stage, taskID: reader.upstreamTaskID)
            } else if idle && t.timeIntervalSince(lastWrite) >= 10 {
                lastWrite = t
                _ = try? self.spool.updateStatus(id, now: t) { $0.heartbeatAt = t }
            }
        }
        handlers.tick = {
            flush(true)
            return true
        }
        let outcome = HTTPClient.perform(http, handlers: handlers)
        state = stateCopy
        for event in parser.finish() { reader.consume(event) }
        // A body that ended mid-event was cut, whatever curl says; a link running into the end of
        // a cut text may be a truncated signed URL and is not trusted.
        let cutMidEvent = parser.hasPartialEvent
        reader.finish(textIsComplete: outcome.completed && !cutMidEvent)
        let elapsed = now().timeIntervalSince(started)

        // Anything other than an event stream is an error answer (JSON even when stream:true).
        if !isStream {
            if outcome.head == nil {
                let failure = outcome.timedOut
                    ? JobFailure(kind: .timeout, message: "连接上游超时（\(config.connectTimeout) 秒）。任务未自动重试。", detail: outcome.errorMessage)
                    : JobFailure(kind: .upstream, message: "无法连接到视频生成服务，请稍后再试。任务未自动重试。", detail: outcome.errorMessage)
                fail(id, failure)
            } else {
                let status = outcome.status == 200 ? 502 : outcome.status
                fail(id, FailureClassifier.httpError(status: status, body: errorBody, retryAfter: outcome.head?.headers["retry-after"]))
            }
            return
        }

        // A 200 stream was accepted upstream: the gateway bills per call.
        _ = try? spool.updateStatus(id, now: now()) { $0.costUSD = request.priceUSD }
        spool.recordSpend(jobID: id, usd: request.priceUSD, at: now())

        if let link = reader.videoLink ?? savedLink {
            if link != savedLink { captureLink(id, link: link, taskID: reader.upstreamTaskID, state: &state) }
            progress(id, progress: max(reader.progress ?? 0, lastProgress), stage: reader.stage, taskID: reader.upstreamTaskID)
            log.write("stream_done", job: id, fields: ["seconds": Int(elapsed), "events": reader.chunkCount, "curl_code": Int(outcome.curlCode)])
            transfer(id, request: request, link: link, state: &state)
            return
        }
        let end: TransportEnd
        if outcome.completed && !cutMidEvent { end = .complete }
        else if outcome.timedOut {
            let stalled = elapsed < Double(config.generationTimeout) - 1
            end = .timedOut(stalled: stalled, detail: stalled
                ? "no data for \(config.stallTimeout) s (stall timeout)" : "generation exceeded \(config.generationTimeout) s")
        } else if outcome.wasCut || cutMidEvent {
            end = .cut(detail: outcome.completed ? "body ended inside an event" : outcome.errorMessage)
        }
        else { end = .other(detail: outcome.errorMessage) }
        let failure = FailureClassifier.streamEnded(reader: reader, transportError: end)
            ?? JobFailure(kind: .noLink, message: "上游结束了响应，但没有返回视频链接。", detail: "stream ended without a link")
        fail(id, failure, progress: reader.progress)
    }

    /// The plan's §2.2 request: one user message with a text part and, for image→video, an
    /// `image_url` part carrying the data URI or the https URL.
    func requestBody(_ id: String, _ request: JobRequest) throws -> [UInt8] {
        var content: [[String: Any]] = [["type": "text", "text": request.prompt]]
        if let file = request.imageFile {
            guard let bytes = FileIO.read(spool.jobDir(id) + "/" + file) else { throw FileIO.Failure("cannot read", file) }
            let uri = "data:\(request.imageMIME ?? "image/png");base64,\(Data(bytes).base64EncodedString())"
            content.append(["type": "image_url", "image_url": ["url": uri]])
        } else if let url = request.imageURL {
            content.append(["type": "image_url", "image_url": ["url": url]])
        }
        let body: [String: Any] = ["model": request.upstreamModel, "stream": true,
                                   "messages": [["role": "user", "content": content]]]
        return [UInt8](try JSONSerialization.data(withJSONObject: body, options: [.withoutEscapingSlashes]))
    }

    func captureLink(_ id: String, link: String, taskID: String?, state: inout WorkerState) {
        let expires = now().addingTimeInterval(TimeInterval(config.linkTTL))
        state.upstreamLink = link
        state.upstreamLinkExpiresAt = expires
        state.upstreamTaskID = taskID ?? state.upstreamTaskID
        try? spool.writeState(id, state)
        _ = try? spool.updateStatus(id, now: now()) { d in
            d.upstreamURLExpiresAt = expires
            if let taskID { d.upstreamTaskID = taskID }
        }
        log.write("link_captured", job: id, fields: ["host": URL(string: link)?.host ?? "", "expires_at": SpoolJSON.isoString(expires)])
    }

    func progress(_ id: String, progress: Double, stage: String, taskID: String?) {
        let t = now()
        _ = try? spool.updateStatus(id, now: t) { d in
            let p = min(100, max(d.progress, progress))
            d.progress = (p * 10).rounded() / 10
            if !stage.isEmpty { d.stage = String(stage.prefix(200)) }
            if let taskID { d.upstreamTaskID = taskID }
            d.heartbeatAt = t
        }
        log.write("progress", job: id, fields: ["progress": progress, "stage": String(stage.prefix(120))])
    }

    // MARK: transfer

    func transfer(_ id: String, request: JobRequest, link: String, state: inout WorkerState) {
        _ = try? spool.updateStatus(id, now: now()) { d in
            d.status = .transferring; d.error = nil; d.finishedAt = nil
            d.stage = "视频已生成，正在转存到永久存储…"; d.heartbeatAt = self.now()
        }
        let part = spool.downloadPath(id)
        defer { FileIO.remove(part) }
        let started = now()
        state.transferRounds += 1
        try? spool.writeState(id, state)
        var lastError = ""
        var downloaded: Int64?
        for attempt in 1...config.downloadAttempts {
            if attempt > 1 {
                let delay = config.retryBaseDelay * pow(2, Double(attempt - 2))
                log.write("download_retry", job: id, fields: ["attempt": attempt, "delay_s": delay, "error": lastError])
                usleep(UInt32(min(delay, 60) * 1_000_000))
            }
            switch download(id, link: link, to: part) {
            case .failure(let reason): lastError = reason
            case .success(let size): downloaded = size
            }
            if downloaded != nil { break }
        }
        let expiry = state.upstreamLinkExpiresAt.map { SpoolJSON.isoString($0) } ?? "?"
        let retryHint = "临时链接有效期至 \(expiry)，在此之前可以点击“重试转存”，不会重新生成或扣费。"
        guard let size = downloaded else {
            FileIO.remove(part)  // first: on a full disk the status write below needs the space
            fail(id, JobFailure(kind: .transfer,
                                message: "视频已生成，但下载失败（已尝试 \(config.downloadAttempts) 次）。" + retryHint, detail: lastError))
            return
        }
        log.write("downloaded", job: id, fields: ["bytes": size, "seconds": now().timeIntervalSince(started)])
        // The store retries transient errors itself (network, 5xx, 429, clock skew).
        let key = videoObjectKey(prefix: config.storagePrefix, jobID: id, model: request.model, date: request.createdAt)
        let storeStarted = now()
        do {
            let stored = try store.store(file: part, key: key, contentType: "video/mp4")
            state.storedKey = stored.key
            try? spool.writeState(id, state)
            let t = now()
            _ = try? spool.updateStatus(id, now: t) { d in
                d.status = .succeeded; d.progress = 100; d.videoURL = stored.url; d.videoKey = stored.key; d.sizeBytes = stored.size
                d.stage = "视频已保存"; d.finishedAt = t; d.heartbeatAt = t; d.error = nil
            }
            log.write("stored", job: id, fields: ["bytes": size, "seconds": now().timeIntervalSince(storeStarted),
                                                  "store": store.name, "key": stored.key])
        } catch {
            fail(id, JobFailure(kind: .transfer, message: "视频已下载，但保存到存储（\(store.name)）失败。" + retryHint,
                                detail: "\(error)"))
        }
    }

    enum Download { case success(Int64), failure(String) }

    /// One download attempt into `path`, verified to be an MP4 of the announced length.
    func download(_ id: String, link: String, to path: String) -> Download {
        FileIO.remove(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .failure("cannot create \(path)") }
        defer { close(fd) }
        var req = HTTPRequest(method: "GET", url: link)
        req.connectTimeout = config.connectTimeout
        req.totalTimeout = config.downloadTimeout
        var rejected: String?
        var writeError: String?
        var written: Int64 = 0
        let limit = config.maxVideoBytes
        var first = [UInt8]()
        var handlers = HTTPHandlers()
        handlers.head = { head in
            if head.status != 200 { rejected = "HTTP \(head.status) from the video host"; return false }
            if head.mediaType.hasPrefix("text/") || head.mediaType.contains("html") || head.mediaType.contains("json") || head.mediaType.contains("xml") {
                rejected = "the link served \(head.mediaType), not a video"; return false
            }
            if let declared = head.headers["content-length"].flatMap({ Int64($0) }), declared > limit {
                rejected = "the video is \(declared) bytes, over SORA_MAX_VIDEO_BYTES (\(limit))"; return false
            }
            return true
        }
        var lastBeat = now()
        handlers.data = { chunk in
            if first.count < 16 { first.append(contentsOf: chunk.prefix(16 - first.count)) }
            written += Int64(chunk.count)
            if written > limit { rejected = "the video is over SORA_MAX_VIDEO_BYTES (\(limit) bytes)"; return false }
            do { try FileIO.writeAll(fd, Array(chunk), path: path) } catch {
                writeError = "cannot write the download to disk: \(error) (disk full?)"
                return false
            }
            return true
        }
        handlers.tick = {
            let t = self.now()
            if t.timeIntervalSince(lastBeat) >= 10 { lastBeat = t; _ = try? self.spool.updateStatus(id, now: t) { $0.heartbeatAt = t } }
            return true
        }
        let outcome = HTTPClient.perform(req, handlers: handlers)
        if let rejected { return .failure(rejected) }
        if let writeError { return .failure(writeError) }
        guard outcome.completed else { return .failure("download failed: \(outcome.errorMessage) (curl \(outcome.curlCode))") }
        if let declared = outcome.head?.headers["content-length"].flatMap({ Int64($0) }), declared != outcome.bytesReceived {
            return .failure("download incomplete: \(outcome.bytesReceived) of \(declared) bytes")
        }
        guard fsync(fd) == 0 else { return .failure("cannot flush the download to disk") }
        if outcome.bytesReceived < config.minVideoBytes { return .failure("the file is only \(outcome.bytesReceived) bytes, not a video") }
        guard first.count >= 8, Array(first[4..<8]) == Array("ftyp".utf8) else { return .failure("the file is not an MP4 (no ftyp box)") }
        return .success(outcome.bytesReceived)
    }

    // MARK: failure

    func fail(_ id: String, _ failure: JobFailure, progress: Double? = nil) {
        let t = now()
        _ = try? spool.updateStatus(id, now: t) { d in
            d.status = .failed; d.error = failure; d.finishedAt = t; d.heartbeatAt = t
            if let progress { d.progress = max(d.progress, min(100, progress)) }
        }
        log.write("job_failed", job: id, fields: ["kind": failure.kind.rawValue, "detail": failure.detail ?? ""])
    }
}
