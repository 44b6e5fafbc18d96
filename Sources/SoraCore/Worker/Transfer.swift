#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Moves a finished result from the upstream's short-lived link into durable storage: download
/// (resumed with `Range` after a cut, verified to be an MP4), then the store, then the poster.
/// Never touches the generation: a transfer can be retried as long as the link works.
struct Transfer {
    let worker: Worker

    var config: Config { worker.config }
    var spool: Spool { worker.spool }

    /// The failure for a link that no longer works (expired, or answered 403/404/HTML before).
    static func linkGone(_ state: WorkerState) -> JobFailure {
        var p: [String: JSONScalar] = ["retryable": false]
        if let e = state.upstreamLinkExpiresAt { p["expired_at"] = .string(SpoolJSON.isoString(e)) }
        return JobFailure(.transfer, state.linkDead ? "link_dead" : "link_expired", p, detail: "the upstream result link no longer works")
    }

    /// One download attempt's outcome.
    enum Attempt {
        case done(Int64)
        /// `dead`: the link itself is refused or not a video; retrying is pointless.
        case failed(code: String, params: [String: JSONScalar], detail: String, dead: Bool)
    }

    func run(_ job: inout ActiveJob) {
        guard let link = job.state.upstreamLink else { return }
        let t0 = worker.now()
        worker.transition(job, to: .transferring) { d in
            d.phase = .downloading; d.error = nil; d.finishedAt = nil; d.canRetry = false; d.canCancel = false; d.heartbeatAt = t0
        }
        job.state.transferRounds += 1
        worker.persist(job)
        let key = videoObjectKey(prefix: config.storagePrefix, jobID: job.id, model: job.request.model, date: job.request.createdAt)
        let part = Self.partPath(store: worker.store, spool: spool, job: job.id, key: key)
        let staged = part != spool.downloadPath(job.id)
        if staged { try? FileIO.makeDirectory(Path.directory(part)) }
        var last: Attempt = .failed(code: "network", params: [:], detail: "not attempted", dead: false)
        var attempts = 0
        for attempt in 1...config.downloadAttempts {
            attempts = attempt
            if attempt > 1 {
                let delay = config.retryBaseDelay * pow(2, Double(attempt - 2))
                worker.log.write("download_retry", job: job.id, fields: ["attempt": attempt, "delay_s": delay])
                worker.sleep(min(delay, 60))
            }
            last = download(job, link: link, needsAuth: job.state.linkNeedsAuth, to: part, limit: config.maxVideoBytes, checkMP4: true)
            if case .done = last { break }
            if case .failed(_, _, _, true) = last { break }
        }
        guard case .done(let size) = last else {
            guard case .failed(let code, var params, let detail, let dead) = last else { return }
            if dead {
                job.state.linkDead = true
                worker.persist(job)
            }
            if dead || code == "disk_full" { FileIO.remove(part) }  // a full disk needs the space for the status write
            params["attempts"] = .int(Int64(attempts))
            params["retryable"] = .bool(job.state.linkUsable(at: worker.now()))
            if let e = job.state.upstreamLinkExpiresAt { params["link_expires_at"] = .string(SpoolJSON.isoString(e)) }
            worker.fail(&job, JobFailure(.transfer, code, params, detail: detail))
            return
        }
        worker.log.write("downloaded", job: job.id, fields: ["bytes": size, "seconds": worker.now().timeIntervalSince(t0)])
        worker.transition(job) { d in d.phase = .storing; d.heartbeatAt = self.worker.now() }
        let storeStarted = worker.now()
        let stored: StoredObject
        do {
            stored = staged ? try worker.store.adopt(file: part, key: key, contentType: "video/mp4")
                            : try worker.store.store(file: part, key: key, contentType: "video/mp4")
        } catch {
            FileIO.remove(part)  // a retry downloads again; the space is not held meanwhile
            var p: [String: JSONScalar] = ["store": .string(worker.store.name), "attempts": 1,
                                           "retryable": .bool(job.state.linkUsable(at: worker.now()))]
            if let e = job.state.upstreamLinkExpiresAt { p["link_expires_at"] = .string(SpoolJSON.isoString(e)) }
            worker.fail(&job, JobFailure(.transfer, "store_failed", p, detail: "\(error)"))
            return
        }
        FileIO.remove(part)
        job.state.storedKey = stored.key
        worker.persist(job)
        let poster = storePoster(job, videoKey: stored.key)
        let t = worker.now()
        worker.transition(job, to: .succeeded) { d in
            d.phase = .done; d.progress = 100; d.videoURL = stored.url; d.videoKey = stored.key; d.sizeBytes = stored.size
            d.posterURL = poster?.url; d.posterKey = poster?.key
            d.finishedAt = t; d.heartbeatAt = t; d.error = nil; d.canRetry = false
        }
        if let started = job.state.submittedAt { ModelTimings(spool: spool).record(model: job.request.model, seconds: t.timeIntervalSince(started)) }
        worker.log.write("stored", job: job.id, fields: ["bytes": size, "seconds": worker.now().timeIntervalSince(storeStarted),
                                                         "store": worker.store.name, "key": stored.key])
    }

    /// The upstream's still image, stored beside the video (`<video key>.jpg|png|webp`). Optional:
    /// a poster that can't be had is logged and skipped.
    func storePoster(_ job: ActiveJob, videoKey: String) -> StoredObject? {
        guard let link = job.state.posterLink else { return nil }
        let part = spool.jobDir(job.id) + "/poster.part"
        defer { FileIO.remove(part) }
        FileIO.remove(part)
        guard case .done = download(job, link: link, needsAuth: job.state.posterNeedsAuth, to: part, limit: 20 << 20, checkMP4: false),
              let head = FileIO.read(part, limit: 16), let (mime, ext) = GenerateInput.sniffImage(head) else {
            worker.log.write("poster_skipped", job: job.id, fields: [:])
            return nil
        }
        let key = String(videoKey.dropLast(4)) + "." + ext
        return try? worker.store.store(file: part, key: key, contentType: mime)
    }

    /// One download attempt into `path`, resuming from the bytes already there when the server
    /// honours `Range`. Sends our key only when the link is the gateway's own content endpoint
    /// (and then only to its origin: `HTTPTransport`).
    func download(_ job: ActiveJob, link: String, needsAuth: Bool, to path: String, limit: Int64, checkMP4: Bool) -> Attempt {
        let have = FileIO.size(path) ?? 0
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return .failed(code: errno == ENOSPC ? "disk_full" : "network", params: [:], detail: "cannot create the download file", dead: false) }
        defer { close(fd) }
        var req = HTTPRequest(method: "GET", url: link)
        req.connectTimeout = config.connectTimeout
        req.totalTimeout = config.downloadTimeout
        req.lowSpeedLimit = 1
        req.lowSpeedTime = min(config.downloadTimeout, 30)
        if have > 0 { req.headers.append(("Range", "bytes=\(have)-")) }
        var auth: String?
        if needsAuth {
            let key = config.apiKey(named: job.request.apiKeyEnv)
            if !key.isEmpty { auth = "Bearer \(key.reveal())" }
        }
        var failure: Attempt?
        var offset: Int64 = 0
        req.sinkFD = fd
        var handlers = HTTPHandlers()
        handlers.head = { head in
            let type = head.mediaType
            switch head.status {
            case 206:
                guard have > 0, Self.contentRangeStart(head.headers["content-range"]) == have else {
                    ftruncate(fd, 0)  // not the range we asked for: start over on the next attempt
                    failure = .failed(code: "network", params: [:], detail: "unexpected Content-Range", dead: false)
                    return false
                }
                offset = have
            case 200:
                offset = 0
            case 403, 404, 410:
                failure = .failed(code: "download_http", params: ["status": .int(Int64(head.status))],
                                  detail: "HTTP \(head.status) from the result host", dead: true)
                return false
            default:
                failure = .failed(code: "download_http", params: ["status": .int(Int64(head.status))],
                                  detail: "HTTP \(head.status) from the result host", dead: head.status == 416 ? false : head.status < 500 && head.status != 429)
                if head.status == 416 { ftruncate(fd, 0) }  // our partial file no longer matches: start over
                return false
            }
            if type.hasPrefix("text/") || type.contains("html") || type.contains("json") || type.contains("xml") {
                failure = .failed(code: "not_video", params: ["media_type": .string(String(type.prefix(60)))],
                                  detail: "the link served \(type), not a video", dead: true)
                return false
            }
            if let declared = head.headers["content-length"].flatMap({ Int64($0) }), offset + declared > limit {
                failure = .failed(code: "too_large", params: ["limit_bytes": .int(limit)],
                                  detail: "the file is \(offset + declared) bytes, over the limit", dead: true)
                return false
            }
            guard ftruncate(fd, off_t(offset)) == 0, lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
                failure = .failed(code: "disk_full", params: [:], detail: "cannot prepare the download file", dead: false)
                return false
            }
            return true
        }
        req.sinkLimit = limit
        var lastBeat = worker.now()
        handlers.tick = {
            let t = self.worker.now()
            if t.timeIntervalSince(lastBeat) >= 10 {
                lastBeat = t
                self.worker.transition(job) { $0.heartbeatAt = t }
            }
            return true
        }
        let outcome = worker.transport.perform(AuthorizedRequest(req, authorization: auth), handlers: handlers)
        if let failure { return failure }
        let written = outcome.bytesReceived
        switch outcome.sinkError {
        case 0: break
        case -1: return .failed(code: "too_large", params: ["limit_bytes": .int(limit)], detail: "the file is over the limit", dead: true)
        case ENOSPC, EDQUOT: return .failed(code: "disk_full", params: [:], detail: "cannot write the download: disk full", dead: false)
        case let e: return .failed(code: "network", params: [:], detail: "cannot write the download: \(String(cString: strerror(e)))", dead: false)
        }
        guard outcome.completed else {
            return .failed(code: "network", params: [:], detail: "curl \(outcome.curlCode): \(outcome.errorMessage)", dead: false)
        }
        if let declared = outcome.head?.headers["content-length"].flatMap({ Int64($0) }), declared != written {
            return .failed(code: "incomplete", params: [:], detail: "got \(written) of \(declared) bytes", dead: false)
        }
        guard fsync(fd) == 0 else { return .failed(code: "disk_full", params: [:], detail: "cannot flush the download", dead: false) }
        let total = offset + written
        if checkMP4 {
            if total < config.minVideoBytes {
                return .failed(code: "not_video", params: ["media_type": "tiny"], detail: "only \(total) bytes", dead: true)
            }
            guard let head = FileIO.read(path, limit: 16), head.count >= 8, Array(head[4..<8]) == Array("ftyp".utf8) else {
                ftruncate(fd, 0)
                return .failed(code: "not_video", params: ["media_type": "not_mp4"], detail: "the file is not an MP4 (no ftyp box)", dead: true)
            }
        }
        return .done(total)
    }

    /// Where the video is downloaded: beside its final place when the store can adopt a file
    /// (local), else in the job's spool folder.
    static func partPath(store: VideoStore, spool: Spool, job: String, key: String) -> String {
        store.stagingPath(forKey: key) ?? spool.downloadPath(job)
    }

    /// Removes a job's partial download wherever it is (a dead link, a deleted job).
    public static func removePartial(config: Config, store: VideoStore, spool: Spool, request: JobRequest) {
        let key = videoObjectKey(prefix: config.storagePrefix, jobID: request.taskID, model: request.model, date: request.createdAt)
        FileIO.remove(spool.downloadPath(request.taskID))
        if let staged = store.stagingPath(forKey: key) { FileIO.remove(staged) }
    }

    /// `bytes 100-199/200` → 100.
    static func contentRangeStart(_ value: String?) -> Int64? {
        guard let v = value?.lowercased(), v.hasPrefix("bytes ") else { return nil }
        return v.dropFirst(6).split(separator: "-").first.flatMap { Int64($0) }
    }
}
