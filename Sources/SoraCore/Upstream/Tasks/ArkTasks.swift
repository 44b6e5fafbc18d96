#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Volcengine Ark content-generation tasks (Seedance), video-task-apis.md §1:
/// `POST {base}/contents/generations/tasks` → `{"id":"cgt-…"}`, `GET …/tasks/{id}`, list, `DELETE`.
public struct ArkTasks: TaskDialect {
    public init() {}

    func tasksURL(_ job: UpstreamJob) -> String { job.baseURL + "/contents/generations/tasks" }

    public func createRequest(_ job: UpstreamJob) throws(UpstreamInputError) -> HTTPRequest {
        var content: [[String: Any]] = [["type": "text", "text": job.request.prompt]]
        if let first = job.firstFrame {
            content.append(["type": "image_url", "image_url": ["url": first.urlOrDataURI], "role": "first_frame"])
        }
        if let last = job.lastFrame {
            guard job.firstFrame != nil else { throw UpstreamInputError("a last frame needs a first frame") }
            content.append(["type": "image_url", "image_url": ["url": last.urlOrDataURI], "role": "last_frame"])
        }
        var body: [String: Any] = ["model": job.request.upstreamModel, "content": content,
                                   "watermark": false, "return_last_frame": true,
                                   // Abandoned tasks should die upstream soon after our own deadline.
                                   "execution_expires_after": min(259_200, max(3600, job.request.deadlineSeconds + 600))]
        if let d = job.param("duration")?.intValue { body[job.wireName("duration", "duration")] = d }
        if let r = job.param("resolution")?.stringValue { body[job.wireName("resolution", "resolution")] = r }
        // With a first frame the ratio follows the image; Ark refuses an explicit one.
        if job.request.mode == .textToVideo, let r = job.param("ratio")?.stringValue { body[job.wireName("ratio", "ratio")] = r }
        if let a = job.param("audio")?.boolValue { body[job.wireName("audio", "generate_audio")] = a }
        if let s = job.param("seed")?.intValue, s >= 0 { body[job.wireName("seed", "seed")] = s }
        if let w = job.param("watermark")?.boolValue { body["watermark"] = w }
        return HTTPRequest(method: "POST", url: tasksURL(job),
                           headers: [("Content-Type", "application/json"), ("Accept", "application/json")],
                           body: .bytes(TaskJSON.encode(body)))
    }

    static func error(_ json: JSONValue?) -> (code: String?, message: String?) {
        (json?.firstString("error.code", "code"), json?.firstString("error.message", "message"))
    }

    public func parseCreate(_ answer: HTTPAnswer) -> CreateAnswer {
        let json = answer.json
        if (200..<300).contains(answer.status) {
            if let id = json?.firstString("id") { return .accepted(taskID: id) }
            return .unknown(JobFailure(.ambiguous, "create_unreadable", ["status": .int(Int64(answer.status))],
                                       detail: "HTTP \(answer.status) without a task id"))
        }
        let e = Self.error(json)
        return TaskErrors.createRefusal(status: answer.status, code: e.code, message: e.message, headers: answer.headers)
    }

    public func pollRequest(taskID: String, job: UpstreamJob) -> HTTPRequest {
        HTTPRequest(method: "GET", url: tasksURL(job) + "/" + TaskJSON.pathSegment(taskID), headers: [("Accept", "application/json")])
    }

    public func parsePoll(_ answer: HTTPAnswer, job: UpstreamJob, taskID: String) -> PollAnswer {
        let json = answer.json
        guard (200..<300).contains(answer.status), let json, let status = json.firstString("status") else {
            let e = Self.error(json)
            return TaskErrors.pollError(status: answer.status, headers: answer.headers,
                                        detail: [e.code, e.message].compactMap { $0 }.joined(separator: ": "))
        }
        switch status.lowercased() {
        case "queued", "pending":
            return .running(TaskProgress(phase: .upstreamQueued, stage: status))
        case "running", "processing":
            return .running(TaskProgress(phase: .generating, stage: status))
        case "succeeded", "success":
            let url = json.firstString("content.video_url")
            let tokens = json.at("usage.total_tokens")?.number ?? json.at("usage.completion_tokens")?.number
            var size: FrameSize?
            if let r = json.firstString("resolution") { size = FrameSize.from(resolution: r, ratio: json.firstString("ratio")) }
            return .succeeded(TaskResult(videoURL: url, posterURL: json.firstString("content.last_frame_url"),
                                         expiresAt: url.flatMap(LinkExpiry.from(url:)),
                                         usage: tokens.map { Usage(tokens: Int64($0)) }, size: size))
        case "failed":
            let e = Self.error(json)
            let detail = [e.code, e.message].compactMap { $0 }.joined(separator: ": ")
            if TaskErrors.isModeration(code: e.code, message: e.message) {
                return .failed(JobFailure(.moderation, "output", ["upstream_code": .string(e.code ?? "")], detail: detail), billed: false)
            }
            return .failed(JobFailure(.upstream, "task_failed", ["upstream_code": .string(e.code ?? "")], detail: detail), billed: false)
        case "expired":
            return .failed(JobFailure(.upstream, "task_expired", [:], detail: "the task expired upstream"), billed: false)
        case "cancelled", "canceled":
            return .cancelled
        default:
            return .unrecognized(status: status)
        }
    }

    public func cancelRequest(taskID: String, job: UpstreamJob) -> HTTPRequest? {
        HTTPRequest(method: "DELETE", url: tasksURL(job) + "/" + TaskJSON.pathSegment(taskID), headers: [("Accept", "application/json")])
    }

    public func parseCancel(_ answer: HTTPAnswer) -> CancelAnswer {
        if (200..<300).contains(answer.status) { return .cancelled }
        let e = Self.error(answer.json)
        return .refused(status: answer.status, detail: [e.code, e.message].compactMap { $0 }.joined(separator: ": "))
    }

    /// Ark lists the last 7 days of tasks, filtered by model: the way to find a task whose create
    /// answer was lost.
    public func searchRequest(job: UpstreamJob, since: Date) -> HTTPRequest? {
        var c = URLComponents(string: tasksURL(job))
        c?.queryItems = [URLQueryItem(name: "page_num", value: "1"), URLQueryItem(name: "page_size", value: "50"),
                         URLQueryItem(name: "filter.model", value: job.request.upstreamModel)]
        guard let url = c?.url?.absoluteString else { return nil }
        return HTTPRequest(method: "GET", url: url, headers: [("Accept", "application/json")])
    }

    /// Exactly one task of our model created within two minutes of our create call, and not
    /// claimed by another job, is ours; none is "not found"; several is "can't tell".
    public func parseSearch(_ answer: HTTPAnswer, job: UpstreamJob, since: Date, exclude: Set<String>) -> SearchAnswer {
        guard (200..<300).contains(answer.status), case .array(let items)? = answer.json?["items"] else {
            return .unavailable("task list answered HTTP \(answer.status)")
        }
        let from = since.timeIntervalSince1970 - 5, to = since.timeIntervalSince1970 + 120
        let candidates = items.compactMap { item -> String? in
            guard let id = item.firstString("id"), !exclude.contains(id), let created = item.at("created_at")?.number,
                  created >= from, created <= to else { return nil }
            if let m = item.firstString("model"), m != job.request.upstreamModel, !job.request.upstreamModel.hasPrefix("ep-") { return nil }
            return id
        }
        switch candidates.count {
        case 0: return .notFound
        case 1: return .found(taskID: candidates[0])
        default: return .unavailable("\(candidates.count) candidate tasks")
        }
    }
}
