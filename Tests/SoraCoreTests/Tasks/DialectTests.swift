import Foundation
import Testing
@testable import SoraCore

/// Requests and answers of each task dialect, against the reference's own examples
/// (video-task-apis.md §1.4, §2.5; upstream-protocols.md §B.4).
@Suite struct DialectTests {
    func job(_ model: String, mode: GenerationMode = .textToVideo, params: [String: JSONScalar],
             first: FrameSource? = nil, last: FrameSource? = nil, options: [String: String] = [:]) -> UpstreamJob {
        let m = ModelCatalog.standard.model(id: model)!
        let req = JobRequest(taskID: JobID.make(), model: model, upstreamModel: m.upstreamModel, protocol: m.protocol,
                             baseURL: "https://gw.example/base", apiKeyEnv: "SORA_API_KEY", prompt: "a fox", mode: mode,
                             params: params, priceUSD: 1, deadlineSeconds: 1800, createdAt: Date())
        return UpstreamJob(request: req, firstFrame: first, lastFrame: last, paramSpecs: m.params, options: options.isEmpty ? m.options : options)
    }

    func body(_ r: HTTPRequest) -> JSONValue {
        guard case .bytes(let b) = r.body, let j = JSONValue.parse(b) else { return .null }
        return j
    }

    func answer(_ status: Int, _ json: String, _ headers: [String: String] = [:]) -> HTTPAnswer {
        HTTPAnswer(status: status, headers: headers, body: Array(json.utf8))
    }

    // MARK: Ark

    @Test func arkCreateCarriesContentRolesAndExplicitFields() throws {
        let t2v = try ArkTasks().createRequest(job("seedance-2-0", params: ["duration": 8, "resolution": "1080p", "ratio": "9:16", "audio": false, "seed": -1]))
        #expect(t2v.method == "POST" && t2v.url == "https://gw.example/base/contents/generations/tasks")
        let b = body(t2v)
        #expect(b.firstString("model") == "doubao-seedance-2-0-260128")
        #expect(b.at("content.0.type")?.string == "text" && b.at("content.0.text")?.string == "a fox")
        #expect(b.at("duration")?.number == 8 && b.firstString("resolution") == "1080p" && b.firstString("ratio") == "9:16")
        #expect(b.at("generate_audio") == .bool(false) && b.at("seed") == nil && b.at("return_last_frame") == .bool(true))
        let i2v = try ArkTasks().createRequest(job("seedance-2-0", mode: .firstLastFrame, params: ["duration": 5],
                                                   first: .bytes([1, 2], mime: "IMAGE/PNG"), last: .url("https://i.example/l.png")))
        let c = body(i2v)
        #expect(c.at("content.1.role")?.string == "first_frame" && c.at("content.1.image_url.url")?.string == "data:image/png;base64,AQI=")
        #expect(c.at("content.2.role")?.string == "last_frame" && c.at("ratio") == nil)
    }

    @Test func arkAnswers() {
        let ark = ArkTasks(), j = job("seedance-2-0", params: [:])
        #expect(ark.parseCreate(answer(200, #"{"id":"cgt-20260606160057-6bbjd"}"#)) == .accepted(taskID: "cgt-20260606160057-6bbjd"))
        #expect(ark.parsePoll(answer(200, #"{"id":"cgt-1","status":"queued"}"#), job: j, taskID: "cgt-1")
                == .running(TaskProgress(phase: .upstreamQueued, stage: "queued")))
        let done = ark.parsePoll(answer(200, #"""
            {"id":"cgt-2025","model":"doubao-seedance-1-0-pro-250528","status":"succeeded",
             "content":{"video_url":"https://ark.example/v.mp4?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Date=20250331T095113Z&X-Tos-Expires=86400&X-Tos-Signature=x",
                        "last_frame_url":"https://ark.example/v_last-frame.png"},
             "seed":10,"resolution":"720p","duration":5,"ratio":"16:9","framespersecond":24,
             "usage":{"completion_tokens":108900,"total_tokens":108900},"created_at":1743414619,"updated_at":1743414673}
            """#), job: j, taskID: "cgt-2025")
        guard case .succeeded(let r) = done else { Issue.record("\(done)"); return }
        #expect(r.usage == Usage(tokens: 108_900) && r.posterURL?.hasSuffix(".png") == true && !r.videoNeedsAuth)
        #expect(r.expiresAt == SpoolJSON.parseISO("2025-04-01T09:51:13Z") && r.size == FrameSize(width: 1280, height: 720))
        let moderated = ark.parsePoll(answer(200, #"{"id":"cgt-3","status":"failed","error":{"code":"OutputVideoSensitiveContentDetected.PolicyViolation","message":"The request failed because the output video may be related to copyright restrictions."}}"#), job: j, taskID: "cgt-3")
        #expect(moderated == .failed(JobFailure(.moderation, "output", ["upstream_code": "OutputVideoSensitiveContentDetected.PolicyViolation"],
                                                detail: "OutputVideoSensitiveContentDetected.PolicyViolation: The request failed because the output video may be related to copyright restrictions."), billed: false))
        #expect(ark.parsePoll(answer(200, #"{"id":"x","status":"expired"}"#), job: j, taskID: "x") ==
                .failed(JobFailure(.upstream, "task_expired", [:], detail: "the task expired upstream"), billed: false))
        #expect(ark.parsePoll(answer(200, #"{"id":"x","status":"cancelled"}"#), job: j, taskID: "x") == .cancelled)
        #expect(ark.parsePoll(answer(200, #"{"id":"x","status":"rendering"}"#), job: j, taskID: "x") == .unrecognized(status: "rendering"))
        guard case .notFound = ark.parsePoll(answer(404, #"{"error":{"code":"ResourceNotFound","message":"no such task"}}"#), job: j, taskID: "x") else {
            Issue.record("404 should be notFound"); return
        }
        guard case .transient = ark.parsePoll(answer(500, #"{"error":{"code":"InternalServiceError"}}"#), job: j, taskID: "x") else {
            Issue.record("500 should be transient"); return
        }
    }

    @Test func arkCreateRefusalsProveNoTaskExceptServerErrors() {
        let ark = ArkTasks()
        guard case .refused(let mod, nil) = ark.parseCreate(answer(400, #"{"error":{"code":"InputTextSensitiveContentDetected","message":"The request failed because the input text may contain sensitive information.","type":"BadRequest"}}"#)) else {
            Issue.record("moderation"); return
        }
        #expect(mod.kind == .moderation && mod.code == "input")
        guard case .refused(let rl, let retry?) = ark.parseCreate(answer(429, #"{"error":{"code":"RateLimitExceeded.EndpointRPMExceeded","message":"slow down"}}"#, ["retry-after": "7"])) else {
            Issue.record("429"); return
        }
        #expect(rl.code == "rate_limited" && retry.after == 7)
        guard case .refused(_, let none?) = ark.parseCreate(answer(429, #"{"error":{"code":"ServerOverloaded"}}"#)) else { Issue.record("429 bare"); return }
        #expect(none.after == nil)
        guard case .refused(let model, nil) = ark.parseCreate(answer(404, #"{"error":{"code":"ModelNotOpen","message":"activate the model"}}"#)) else {
            Issue.record("404"); return
        }
        #expect(model.code == "model_unavailable")
        guard case .refused(let channel, nil) = ark.parseCreate(answer(503, #"{"error":{"message":"当前分组 default 下对于模型 doubao-seedance-2-0-260128 无可用渠道","type":"new_api_error"}}"#)) else {
            Issue.record("no channel"); return
        }
        #expect(channel.code == "model_unavailable")
        guard case .unknown(let amb) = ark.parseCreate(answer(502, "<html>bad gateway</html>")) else { Issue.record("5xx"); return }
        #expect(amb.kind == .ambiguous && amb.code == "create_5xx")
    }

    @Test func arkSearchAdoptsExactlyOneUnclaimedTaskOfOurModel() {
        let ark = ArkTasks(), j = job("seedance-2-0", params: [:])
        let since = Date(timeIntervalSince1970: 1_790_000_000)
        let list = #"{"total":3,"items":[{"id":"cgt-mine","model":"doubao-seedance-2-0-260128","status":"running","created_at":1790000001},{"id":"cgt-other","model":"doubao-seedance-2-0-fast-260128","created_at":1790000002},{"id":"cgt-old","model":"doubao-seedance-2-0-260128","created_at":1789990000}]}"#
        #expect(ark.parseSearch(answer(200, list), job: j, since: since, exclude: []) == .found(taskID: "cgt-mine"))
        #expect(ark.parseSearch(answer(200, list), job: j, since: since, exclude: ["cgt-mine"]) == .notFound)
        let two = #"{"items":[{"id":"a","model":"doubao-seedance-2-0-260128","created_at":1790000001},{"id":"b","model":"doubao-seedance-2-0-260128","created_at":1790000003}]}"#
        guard case .unavailable = ark.parseSearch(answer(200, two), job: j, since: since, exclude: []) else { Issue.record("two"); return }
        let url = ark.searchRequest(job: j, since: since)?.url ?? ""
        #expect(url.contains("filter.model=doubao-seedance-2-0-260128") && url.contains("page_size=50"))
    }

    // MARK: DashScope

    @Test func dashscopeCreateUsesTheAsyncHeaderAndEitherImageForm() throws {
        let r = try DashScopeTasks().createRequest(job("wan-2-7-t2v", params: ["duration": 5, "resolution": "720p", "ratio": "16:9",
                                                                               "negative_prompt": "", "prompt_extend": true, "seed": 42]))
        #expect(r.url == "https://gw.example/base/services/aigc/video-generation/video-synthesis")
        #expect(r.headers.contains { $0.0 == "X-DashScope-Async" && $0.1 == "enable" })
        let b = body(r)
        #expect(b.firstString("model") == "wan2.7-t2v" && b.at("input.prompt")?.string == "a fox" && b.at("input.negative_prompt") == nil)
        #expect(b.at("parameters.resolution")?.string == "720P" && b.at("parameters.seed")?.number == 42 && b.at("parameters.prompt_extend") == .bool(true))
        let media = try DashScopeTasks().createRequest(job("wan-2-7-i2v", mode: .firstLastFrame, params: [:],
                                                           first: .url("https://i.example/f.png"), last: .url("https://i.example/l.png")))
        #expect(body(media).at("input.media.0.type")?.string == "first_frame" && body(media).at("input.media.1.type")?.string == "last_frame")
        let legacy = try DashScopeTasks().createRequest(job("wan-2-7-i2v", mode: .imageToVideo, params: [:], first: .url("https://i.example/f.png"),
                                                            options: ["image_input": "img_url"]))
        #expect(body(legacy).at("input.img_url")?.string == "https://i.example/f.png" && body(legacy).at("input.media") == nil)
    }

    @Test func dashscopeAnswers() {
        let d = DashScopeTasks(), j = job("wan-2-7-t2v", params: [:])
        #expect(d.parseCreate(answer(200, #"{"output":{"task_id":"c2e7570c-0af2-4eba-919f-3af3d1164a38","task_status":"PENDING"},"request_id":"a23b"}"#))
                == .accepted(taskID: "c2e7570c-0af2-4eba-919f-3af3d1164a38"))
        let ok = d.parsePoll(answer(200, #"{"usage":{"SR":480,"duration":5,"video_count":1},"output":{"task_id":"a55b","end_time":"2025-10-11 19:02:27.297","video_url":"https://dashscope-result-bj.oss-cn-beijing.aliyuncs.com/1d/a.mp4?Expires=1760266939&OSSAccessKeyId=x&Signature=y","orig_prompt":"改变一下光线","task_status":"SUCCEEDED","actual_prompt":"橙衣男性…"},"request_id":"ec8f"}"#), job: j, taskID: "a55b")
        guard case .succeeded(let r) = ok else { Issue.record("\(ok)"); return }
        #expect(r.usage == Usage(seconds: 5) && r.actualPrompt == "橙衣男性…" && r.expiresAt == Date(timeIntervalSince1970: 1_760_266_939))
        let failed = d.parsePoll(answer(200, #"{"request_id":"r","output":{"task_id":"t","task_status":"FAILED","code":"DataInspectionFailed","message":"Output data may contain inappropriate content."}}"#), job: j, taskID: "t")
        guard case .failed(let f, billed: false) = failed else { Issue.record("\(failed)"); return }
        #expect(f.kind == .moderation && f.code == "output" && f.params["upstream_code"] == "DataInspectionFailed")
        guard case .notFound = d.parsePoll(answer(200, #"{"request_id":"85c2","output":{"task_id":"1111","task_status":"UNKNOWN"}}"#), job: j, taskID: "1111") else {
            Issue.record("UNKNOWN"); return
        }
        #expect(d.parsePoll(answer(200, #"{"output":{"task_id":"t","task_status":"CANCELED"}}"#), job: j, taskID: "t") == .cancelled)
        guard case .refused(let auth, nil) = d.parseCreate(answer(401, #"{"code":"InvalidApiKey","message":"Invalid API-key provided.","request_id":"a1c0"}"#)) else {
            Issue.record("401"); return
        }
        #expect(auth.code == "auth")
        guard case .refused(let mod, nil) = d.parseCreate(answer(400, #"{"code":"DataInspectionFailed","message":"Input data may contain inappropriate content.","request_id":"x"}"#)) else {
            Issue.record("input moderation"); return
        }
        #expect(mod.kind == .moderation && mod.code == "input")
        #expect(d.parseCancel(answer(400, #"{"request_id":"4d49","code":"UnsupportedOperation","message":"Failed to cancel the task, please confirm if the task is in PENDING status."}"#))
                == .refused(status: 400, detail: "UnsupportedOperation: Failed to cancel the task, please confirm if the task is in PENDING status."))
    }

    // MARK: OpenAI-style videos

    @Test func videosCreateSendsSecondsAsAStringAndTheImageAsMultipart() throws {
        let v = OpenAIVideos()
        let json = try v.createRequest(job("seedance-2-0-videos", params: ["duration": 8, "ratio": "16:9", "resolution": "720p"]))
        #expect(json.url == "https://gw.example/base/videos")
        let b = body(json)
        #expect(b.at("seconds") == .string("8") && b.firstString("size") == "16:9" && b.firstString("resolution") == "720p")
        let form = try v.createRequest(job("seedance-2-0-videos", mode: .imageToVideo, params: ["duration": 5], first: .bytes(onePixelPNG, mime: "image/png")))
        let type = form.headers.first { $0.0 == "Content-Type" }?.1 ?? ""
        #expect(type.hasPrefix("multipart/form-data; boundary="))
        guard case .bytes(let raw) = form.body else { Issue.record("no body"); return }
        let text = String(decoding: raw, as: UTF8.self)
        #expect(text.contains("name=\"input_reference\"; filename=\"first.png\"") && text.contains("name=\"seconds\"\r\n\r\n5\r\n"))
    }

    @Test func videosAnswers() {
        let v = OpenAIVideos(), j = job("seedance-2-0-videos", params: [:])
        #expect(v.parseCreate(answer(200, #"{"id":"video_68f0c3a1b2","object":"video","status":"queued"}"#)) == .accepted(taskID: "video_68f0c3a1b2"))
        #expect(v.parsePoll(answer(200, #"{"id":"video_1","object":"video","status":"in_progress","progress":42}"#), job: j, taskID: "video_1")
                == .running(TaskProgress(phase: .generating, progress: 42, stage: "in_progress")))
        let done = v.parsePoll(answer(200, #"{"id":"sora-2:task_1","status":"completed","progress":100,"expires_at":1764144190,"size":"1280x720"}"#), job: j, taskID: "sora-2:task_1")
        guard case .succeeded(let r) = done else { Issue.record("\(done)"); return }
        #expect(r.videoURL == "https://gw.example/base/videos/sora-2%3Atask_1/content" && r.videoNeedsAuth)
        #expect(r.expiresAt == Date(timeIntervalSince1970: 1_764_144_190) && r.posterNeedsAuth)
        let own = v.parsePoll(answer(200, #"{"id":"v","status":"completed","video_url":"https://cdn.example/v.mp4"}"#), job: j, taskID: "v")
        guard case .succeeded(let o) = own else { Issue.record("\(own)"); return }
        #expect(o.videoURL == "https://cdn.example/v.mp4" && !o.videoNeedsAuth)
        let failed = v.parsePoll(answer(200, #"{"id":"v","status":"failed","error":{"code":"moderation_blocked","message":"Your request was blocked by our moderation system."}}"#), job: j, taskID: "v")
        guard case .failed(let f, _) = failed else { Issue.record("\(failed)"); return }
        #expect(f.kind == .moderation && f.code == "output")
        #expect(v.cancelRequest(taskID: "v", job: j) == nil)
    }
}
