#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Alibaba DashScope video synthesis (Wan), video-task-apis.md §2: create with
/// `X-DashScope-Async: enable` → `output.task_id`, poll `GET {base}/tasks/{id}`, cancel while PENDING.
/// Task failures are inside `output`; HTTP errors are top-level `{code,message,request_id}`.
public struct DashScopeTasks: TaskDialect {
    public init() {}

    public func createRequest(_ job: UpstreamJob) throws(UpstreamInputError) -> HTTPRequest {
        var input: [String: Any] = ["prompt": job.request.prompt]
        if let n = job.param("negative_prompt")?.stringValue, !n.isEmpty { input["negative_prompt"] = n }
        if job.lastFrame != nil && job.firstFrame == nil { throw UpstreamInputError("a last frame needs a first frame") }
        if job.options["image_input"] == "img_url" {
            // Wan ≤ 2.6: `img_url`, or `first_frame_url` + `last_frame_url` for key-frame models.
            if let last = job.lastFrame, let first = job.firstFrame {
                input["first_frame_url"] = first.urlOrDataURI; input["last_frame_url"] = last.urlOrDataURI
            } else if let first = job.firstFrame {
                input["img_url"] = first.urlOrDataURI
            }
        } else {
            var media: [[String: String]] = []
            if let first = job.firstFrame { media.append(["type": "first_frame", "url": first.urlOrDataURI]) }
            if let last = job.lastFrame { media.append(["type": "last_frame", "url": last.urlOrDataURI]) }
            if !media.isEmpty { input["media"] = media }
        }
        var parameters: [String: Any] = ["watermark": false]
        if let r = job.param("resolution")?.stringValue { parameters[job.wireName("resolution", "resolution")] = r.uppercased() }
        if let s = job.param("size")?.stringValue { parameters[job.wireName("size", "size")] = s.replacing("x", with: "*") }
        if job.request.mode == .textToVideo, let r = job.param("ratio")?.stringValue { parameters[job.wireName("ratio", "ratio")] = r }
        if let d = job.param("duration")?.intValue { parameters[job.wireName("duration", "duration")] = d }
        if let p = job.param("prompt_extend")?.boolValue { parameters["prompt_extend"] = p }
        if let a = job.param("audio")?.boolValue { parameters[job.wireName("audio", "audio")] = a }
        if let s = job.param("seed")?.intValue, s >= 0 { parameters["seed"] = s }
        if let w = job.param("watermark")?.boolValue { parameters["watermark"] = w }
        let body: [String: Any] = ["model": job.request.upstreamModel, "input": input, "parameters": parameters]
        return HTTPRequest(method: "POST", url: job.baseURL + "/services/aigc/video-generation/video-synthesis",
                           headers: [("Content-Type", "application/json"), ("Accept", "application/json"),
                                     ("X-DashScope-Async", "enable")],
                           body: .bytes(TaskJSON.encode(body)))
    }

    public func parseCreate(_ answer: HTTPAnswer) -> CreateAnswer {
        let json = answer.json
        if (200..<300).contains(answer.status) {
            if let id = json?.firstString("output.task_id") { return .accepted(taskID: id) }
            return .unknown(JobFailure(.ambiguous, "create_unreadable", ["status": .int(Int64(answer.status))],
                                       detail: "HTTP \(answer.status) without output.task_id"))
        }
        return TaskErrors.createRefusal(status: answer.status, code: json?.firstString("code"),
                                        message: json?.firstString("message"), headers: answer.headers)
    }

    public func pollRequest(taskID: String, job: UpstreamJob) -> HTTPRequest {
        HTTPRequest(method: "GET", url: job.baseURL + "/tasks/" + TaskJSON.pathSegment(taskID), headers: [("Accept", "application/json")])
    }

    public func parsePoll(_ answer: HTTPAnswer, job: UpstreamJob, taskID: String) -> PollAnswer {
        let json = answer.json
        guard (200..<300).contains(answer.status), let json, let status = json.firstString("output.task_status") else {
            return TaskErrors.pollError(status: answer.status, headers: answer.headers,
                                        detail: [json?.firstString("code"), json?.firstString("message")].compactMap { $0 }.joined(separator: ": "))
        }
        switch status.uppercased() {
        case "PENDING":
            return .running(TaskProgress(phase: .upstreamQueued, stage: status))
        case "RUNNING":
            return .running(TaskProgress(phase: .generating, stage: status))
        case "SUCCEEDED":
            let url = json.firstString("output.video_url", "output.results.video_url", "output.results.0.url")
            let seconds = json.at("usage.duration")?.number ?? json.at("usage.output_video_duration")?.number
            return .succeeded(TaskResult(videoURL: url, expiresAt: url.flatMap(LinkExpiry.from(url:)),
                                         usage: seconds.map { Usage(seconds: $0) },
                                         actualPrompt: json.firstString("output.actual_prompt")))
        case "FAILED":
            let code = json.firstString("output.code", "code"), message = json.firstString("output.message", "message")
            let detail = [code, message].compactMap { $0 }.joined(separator: ": ")
            if TaskErrors.isModeration(code: code, message: message) {
                return .failed(JobFailure(.moderation, "output", ["upstream_code": .string(code ?? "")], detail: detail), billed: false)
            }
            return .failed(JobFailure(.upstream, "task_failed", ["upstream_code": .string(code ?? "")], detail: detail), billed: false)
        case "CANCELED", "CANCELLED":
            return .cancelled
        case "UNKNOWN":
            // DashScope's answer for an id it does not know (or older than 24 h): terminal.
            return .notFound("task status UNKNOWN")
        default:
            return .unrecognized(status: status)
        }
    }

    public func cancelRequest(taskID: String, job: UpstreamJob) -> HTTPRequest? {
        HTTPRequest(method: "POST", url: job.baseURL + "/tasks/" + TaskJSON.pathSegment(taskID) + "/cancel",
                    headers: [("Accept", "application/json")], body: .none)
    }

    public func parseCancel(_ answer: HTTPAnswer) -> CancelAnswer {
        if (200..<300).contains(answer.status) { return .cancelled }
        let json = answer.json
        return .refused(status: answer.status,
                        detail: [json?.firstString("code"), json?.firstString("message")].compactMap { $0 }.joined(separator: ": "))
    }
}
