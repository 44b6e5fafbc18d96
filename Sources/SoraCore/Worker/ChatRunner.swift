#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Drives a chat-stream job (the Sora 2 chat flavour, upstream-protocols.md §A): one streaming
/// request; progress from the text; the video link saved (fsync) the moment it appears; then
/// `Transfer`. A chat generation has no task id to come back to, so a worker that dies before
/// the link ends the job `interrupted`, never resent.
struct ChatRunner {
    let worker: Worker
    /// Longest error document kept.
    static let maxPlainBody = 8 << 20

    var config: Config { worker.config }
    var spool: Spool { worker.spool }

    func run(_ job: inout ActiveJob) {
        switch job.state.create {
        case .none: break
        case .refused, .ambiguous: return
        case .sending, .accepted:
            // Sent before, and no link was captured: the generation may be billed; never resend.
            worker.fail(&job, JobFailure(.interrupted, "before_link", [:],
                                         detail: "the worker stopped after the request was sent and before a video link arrived"))
            return
        }
        let key = config.apiKey(named: job.request.apiKeyEnv)
        guard !key.isEmpty else {
            worker.release(job)
            worker.fail(&job, JobFailure(.config, "no_key", ["setting": .string(job.request.apiKeyEnv)], detail: "no key configured"))
            return
        }
        guard URLOrigin(job.request.baseURL) != nil else {
            worker.release(job)
            worker.fail(&job, JobFailure(.config, "bad_base_url", ["setting": "SORA_BASE_URL"], detail: "not an http(s) URL"))
            return
        }
        let body: [UInt8]
        do { body = try requestBody(job) } catch {
            worker.release(job)
            worker.fail(&job, JobFailure(.config, "input_unreadable", [:], detail: "\(error)"))
            return
        }

        // Recorded before sending: a crash from here on must never lead to a resend.
        job.state.submissions += 1
        job.state.create = .sending
        job.state.submittedAt = worker.now()
        guard worker.persist(job) else {
            job.state.create = .none
            worker.release(job)
            worker.fail(&job, JobFailure(.config, "spool_unwritable", [:], detail: "cannot record the submission; nothing was sent"))
            return
        }
        let started = worker.now()
        worker.transition(job, to: .generating) { d in
            d.phase = .submitting; d.startedAt = started; d.heartbeatAt = started; d.canCancel = false
        }
        worker.log.write("upstream_submit", job: job.id, fields: ["model": job.request.model, "upstream_model": job.request.upstreamModel,
                                                                   "mode": job.request.mode.rawValue,
                                                                   "host": URLOrigin(job.request.baseURL)?.host ?? ""])

        var http = HTTPRequest(method: "POST", url: job.request.baseURL + "/chat/completions",
                               headers: [("Content-Type", "application/json"), ("Accept", "text/event-stream")],
                               body: .bytes(body))
        http.connectTimeout = config.connectTimeout
        http.totalTimeout = config.generationTimeout
        http.lowSpeedLimit = 1
        http.lowSpeedTime = config.stallTimeout

        var reader = ChatStreamReader()
        var status = 0
        var errorBody: [UInt8] = []
        var lastWrite = Date.distantPast
        var lastProgress: Double = -1
        var lastStage = ""
        var accepted = false
        var active = job

        func flush(_ idle: Bool) {
            let t = worker.now()
            let p = reader.progress ?? 0
            let changed = p != lastProgress || reader.stage != lastStage
            if changed && t.timeIntervalSince(lastWrite) >= 1 {
                lastWrite = t; lastProgress = p; lastStage = reader.stage
                let stage = reader.stage, taskID = reader.upstreamTaskID
                worker.transition(active, to: .generating) { d in
                    d.phase = .generating; d.progress = max(d.progress, min(99, p))
                    if !stage.isEmpty { d.stage = String(stage.prefix(200)) }
                    if let taskID { d.upstreamTaskID = taskID }
                    d.heartbeatAt = t
                }
            } else if idle && t.timeIntervalSince(lastWrite) >= 10 {
                lastWrite = t
                worker.transition(active) { $0.heartbeatAt = t }
            }
        }
        func captureIfEarly() {
            if active.state.upstreamLink == nil, let link = reader.earlyVideoLink { capture(&active, link: link, taskID: reader.upstreamTaskID) }
        }

        var handlers = HTTPHandlers()
        handlers.head = { head in
            status = head.status
            if head.status == 200 && !accepted {
                // A 200 means the gateway took the job (it bills per call): count it now, not at the end.
                accepted = true
                active.state.create = .accepted
                worker.persist(active)
                worker.charge(active)
            }
            return true
        }
        handlers.data = { chunk in
            guard status == 200 else {
                // An error document: kept (bounded) for the classifier.
                if errorBody.count < Self.maxPlainBody { errorBody.append(contentsOf: chunk.prefix(Self.maxPlainBody - errorBody.count)) }
                return true
            }
            // Any 200 body goes to the reader: an event stream, a whole `chat.completion`, or an
            // event stream under the wrong Content-Type — it tells them apart by the bytes.
            reader.feed(chunk)
            captureIfEarly()
            flush(false)
            return true
        }
        handlers.tick = { flush(true); return true }
        let outcome = worker.transport.perform(AuthorizedRequest(http, authorization: "Bearer \(key.reveal())"), handlers: handlers)
        job = active

        reader.finish(textIsComplete: outcome.completed)
        let cutMidEvent = reader.endedMidEvent
        let elapsed = worker.now().timeIntervalSince(started)

        guard status == 200 else {
            if outcome.head == nil {
                if outcome.neverSent {
                    job.state.create = .refused
                    worker.persist(job)
                    worker.release(job)
                    worker.fail(&job, .notSent(outcome))
                } else if outcome.timedOut {
                    job.state.create = .ambiguous
                    worker.persist(job)
                    worker.charge(job)
                    worker.fail(&job, JobFailure(.ambiguous, "create_timeout", ["seconds": .int(Int64(config.connectTimeout))],
                                                 detail: outcome.errorMessage))
                } else {
                    job.state.create = .ambiguous
                    worker.persist(job)
                    worker.charge(job)
                    worker.fail(&job, JobFailure(.ambiguous, "create_cut", [:], detail: outcome.errorMessage))
                }
            } else {
                // An error answer: the gateway refused before generating (not billed).
                job.state.create = .refused
                worker.persist(job)
                worker.release(job)
                worker.fail(&job, FailureClassifier.httpError(status: outcome.status, body: errorBody,
                                                              retryAfter: outcome.head?.headers["retry-after"]))
            }
            return
        }

        if let link = reader.videoLink ?? job.state.upstreamLink {
            if link != job.state.upstreamLink { capture(&job, link: link, taskID: reader.upstreamTaskID) }
            worker.log.write("stream_done", job: job.id, fields: ["seconds": Int(elapsed), "events": reader.chunkCount,
                                                                   "curl_code": Int(outcome.curlCode)])
            Transfer(worker: worker).run(&job)
            return
        }
        let end: TransportEnd
        if outcome.completed && !cutMidEvent {
            end = .complete
        } else if outcome.timedOut {
            let stalled = elapsed < Double(config.generationTimeout) - 1
            end = .timedOut(stalled: stalled, detail: stalled ? "no data for \(config.stallTimeout) s" : "over \(config.generationTimeout) s")
        } else if outcome.wasCut || cutMidEvent {
            end = .cut(detail: outcome.completed ? "body ended inside an event" : outcome.errorMessage)
        } else {
            end = .other(detail: outcome.errorMessage)
        }
        let failure = FailureClassifier.streamEnded(reader: reader, transportError: end)
            ?? JobFailure(.noLink, "stream_ended", [:], detail: "stream ended without a link")
        worker.fail(&job, failure, progress: reader.progress)
    }

    /// Saves the link the moment it appears (fsync), with an assumed lifetime.
    func capture(_ job: inout ActiveJob, link: String, taskID: String?) {
        let expires = LinkExpiry.from(url: link)
        job.state.upstreamLink = link
        job.state.linkExpiryEstimated = expires == nil
        job.state.upstreamLinkExpiresAt = expires ?? worker.now().addingTimeInterval(Double(config.linkTTL))
        job.state.upstreamTaskID = taskID ?? job.state.upstreamTaskID
        worker.persist(job)
        let j = job
        worker.transition(job) { d in
            d.linkExpiresAt = j.state.upstreamLinkExpiresAt; d.linkExpiryEstimated = j.state.linkExpiryEstimated
            if let taskID { d.upstreamTaskID = taskID }
        }
        worker.log.write("link_captured", job: job.id, fields: ["host": URLOrigin(link)?.host ?? ""])
    }

    /// The plan's request: one user message with a text part and, for image→video, an
    /// `image_url` part with the data URI or the https URL.
    func requestBody(_ job: ActiveJob) throws -> [UInt8] {
        var content: [[String: Any]] = [["type": "text", "text": job.request.prompt]]
        if let f = job.request.firstFrame {
            if let url = f.url {
                content.append(["type": "image_url", "image_url": ["url": url]])
            } else if let file = f.file {
                guard let bytes = FileIO.read(spool.jobDir(job.id) + "/" + file) else { throw FileIO.Failure("cannot read", file) }
                content.append(["type": "image_url", "image_url": ["url": FrameSource.bytes(bytes, mime: f.mime ?? "image/png").urlOrDataURI]])
            }
        }
        let body: [String: Any] = ["model": job.request.upstreamModel, "stream": true,
                                   "messages": [["role": "user", "content": content]]]
        return JSONWriter.encode(body)
    }
}
