#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The OpenAI-style Videos API (upstream-protocols.md §B): `POST {base}/videos` (JSON, or
/// multipart with an `input_reference` file) → poll `GET {base}/videos/{id}` → download
/// `GET {base}/videos/{id}/content` (with our key, on the gateway's own origin only) unless the
/// video object names a URL of its own.
public struct OpenAIVideos: TaskDialect {
    public init() {}

    func videoURL(_ job: UpstreamJob, _ id: String) -> String { job.baseURL + "/videos/" + TaskJSON.pathSegment(id) }

    /// Fields as the wire wants them: `seconds` is a string; other parameters pass through.
    func fields(_ job: UpstreamJob) -> [(String, Any)] {
        var out: [(String, Any)] = [("model", job.request.upstreamModel), ("prompt", job.request.prompt)]
        for name in job.request.params.keys.sorted() {
            guard let v = job.request.params[name] else { continue }
            switch name {
            case "duration": out.append((job.wireName("duration", "seconds"), v.description))
            case "seed": if let s = v.intValue, s >= 0 { out.append(("seed", s)) }
            case "negative_prompt": if let s = v.stringValue, !s.isEmpty { out.append(("negative_prompt", s)) }
            default:
                let wire = job.wireName(name, name)
                switch v {
                case .int(let i): out.append((wire, i))
                case .double(let d): out.append((wire, d))
                case .bool(let b): out.append((wire, b))
                case .string(let s): out.append((wire, s))
                }
            }
        }
        return out
    }

    public func createRequest(_ job: UpstreamJob) throws(UpstreamInputError) -> HTTPRequest {
        if job.lastFrame != nil { throw UpstreamInputError("the videos API takes no last frame") }
        let url = job.baseURL + "/videos"
        if case .bytes(let bytes, let mime)? = job.firstFrame, job.options["image_input"] != "json" {
            var form = Multipart()
            for (k, v) in fields(job) { form.add(name: k, value: "\(v)") }
            let ext = mime.split(separator: "/").last.map(String.init) ?? "png"
            form.add(name: "input_reference", filename: "first.\(ext == "jpeg" ? "jpg" : ext)", mime: mime, bytes: bytes)
            return HTTPRequest(method: "POST", url: url,
                               headers: [("Content-Type", form.contentType), ("Accept", "application/json")], body: .bytes(form.finish()))
        }
        var body: [String: Any] = [:]
        for (k, v) in fields(job) { body[k] = v }
        if let first = job.firstFrame { body["input_reference"] = ["image_url": first.urlOrDataURI] }
        return HTTPRequest(method: "POST", url: url, headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                           body: .bytes(TaskJSON.encode(body)))
    }

    static func error(_ json: JSONValue?) -> (code: String?, message: String?) {
        (json?.firstString("error.code", "error.type", "code"), json?.firstString("error.message", "message"))
    }

    public func parseCreate(_ answer: HTTPAnswer) -> CreateAnswer {
        let json = answer.json
        if (200..<300).contains(answer.status) {
            if let id = json?.firstString("id", "task_id", "data.id", "data.task_id") { return .accepted(taskID: id) }
            return .unknown(JobFailure(.ambiguous, "create_unreadable", ["status": .int(Int64(answer.status))],
                                       detail: "HTTP \(answer.status) without a video id"))
        }
        let e = Self.error(json)
        return TaskErrors.createRefusal(status: answer.status, code: e.code, message: e.message, headers: answer.headers)
    }

    public func pollRequest(taskID: String, job: UpstreamJob) -> HTTPRequest {
        HTTPRequest(method: "GET", url: videoURL(job, taskID), headers: [("Accept", "application/json")])
    }

    public func parsePoll(_ answer: HTTPAnswer, job: UpstreamJob, taskID: String) -> PollAnswer {
        let json = answer.json
        guard (200..<300).contains(answer.status), let json, let status = json.firstString("status", "data.status") else {
            let e = Self.error(json)
            return TaskErrors.pollError(status: answer.status, headers: answer.headers,
                                        detail: [e.code, e.message].compactMap { $0 }.joined(separator: ": "))
        }
        var progress = json.at("progress")?.number
        if let p = progress, p > 0, p < 1, p.rounded() != p { progress = p * 100 }  // some gateways send 0–1
        switch status.lowercased() {
        case "queued", "pending", "submitted":
            return .running(TaskProgress(phase: .upstreamQueued, progress: progress, stage: status))
        case "in_progress", "processing", "running":
            return .running(TaskProgress(phase: .generating, progress: progress, stage: status))
        case "completed", "succeeded", "success":
            // A URL of the gateway's own is a plain signed link; otherwise the content endpoint needs our key.
            let own = json.firstString("video_url", "url", "output_url", "data.url", "metadata.url")
            let expires = json.at("expires_at")?.number.map { Date(timeIntervalSince1970: $0) }
            let thumb = json.firstString("thumbnail_url")
            return .succeeded(TaskResult(videoURL: own ?? videoURL(job, taskID) + "/content", videoNeedsAuth: own == nil,
                                         posterURL: thumb ?? videoURL(job, taskID) + "/content?variant=thumbnail",
                                         posterNeedsAuth: thumb == nil,
                                         expiresAt: expires ?? own.flatMap(LinkExpiry.from(url:)),
                                         size: json.firstString("size").flatMap(FrameSize.parse(size:))))
        case "failed", "failure":
            let e = Self.error(json)
            let detail = [e.code, e.message].compactMap { $0 }.joined(separator: ": ")
            if TaskErrors.isModeration(code: e.code, message: e.message) {
                return .failed(JobFailure(.moderation, "output", ["upstream_code": .string(e.code ?? "")], detail: detail), billed: false)
            }
            return .failed(JobFailure(.upstream, "task_failed", ["upstream_code": .string(e.code ?? "")], detail: detail), billed: false)
        case "cancelled", "canceled":
            return .cancelled
        case "expired":
            return .failed(JobFailure(.upstream, "task_expired", [:], detail: "the video expired upstream"), billed: false)
        default:
            return .unrecognized(status: status)
        }
    }
}
