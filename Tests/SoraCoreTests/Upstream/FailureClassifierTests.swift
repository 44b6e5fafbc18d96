import Testing
@testable import SoraCore

@Suite("FailureClassifier")
struct FailureClassifierTests {
    private func http(_ status: Int, _ body: String, retryAfter: String? = nil) -> JobFailure {
        FailureClassifier.httpError(status: status, body: Array(body.utf8), retryAfter: retryAfter)
    }

    private func newAPI(_ message: String, code: String) -> String {
        #"{"error":{"message":"\#(message) (request id: 2025112510300012)","type":"new_api_error","param":"","code":"\#(code)"}}"#
    }

    // MARK: - HTTP errors before the stream

    @Test func unauthorizedIsAKeyProblem() {
        let failure = http(401, newAPI("无效的令牌", code: "invalid_api_key"))
        #expect(failure.kind == .upstream)
        #expect(failure.code == "auth" && failure.params["status"] == 401)
        #expect(failure.detail?.contains("HTTP 401") == true)
        #expect(failure.detail?.contains("无效的令牌") == true)
        #expect(failure.detail?.contains("request id=2025112510300012") == true)
    }

    @Test func forbiddenIsKeyNotAllowedOrBalance() {
        let failure = http(403, newAPI("该令牌无权访问模型 sora_video2", code: "access_denied"))
        #expect(failure.kind == .upstream)
        #expect(failure.code == "auth" && failure.params["status"] == 403)
    }

    @Test func notFoundSaysTheModelIsRetiredOrNotEnabled() {
        let failure = http(404, #"{"error":{"message":"The model `sora_video2` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#)
        #expect(failure.kind == .upstream)
        #expect(failure.code == "model_unavailable" && failure.params["status"] == 404)
        #expect(failure.detail?.contains("model_not_found") == true)
    }

    @Test func noAvailableChannelIsReportedLikeAMissingModel() {
        let failure = http(503, newAPI("当前分组 default 下对于模型 sora_video2 无可用渠道", code: "model_not_found"))
        #expect(failure.kind == .upstream)
        #expect(failure.code == "model_unavailable")
        let english = http(503, #"{"error":{"message":"no available channel for model sora_video2 under group default","type":"new_api_error"}}"#)
        #expect(english.kind == .upstream && english.code == "model_unavailable")
        #expect(http(400, #"{"error":{"message":"model not found"}}"#).kind == .upstream)
    }

    @Test func rateLimitMentionsRetryAfter() {
        let failure = http(429, newAPI("请求过于频繁", code: "rate_limit_exceeded"), retryAfter: "30")
        #expect(failure.kind == .upstream)
        #expect(failure.code == "rate_limited" && failure.params["retry_after"] == 30)
        #expect(failure.detail?.contains("Retry-After: 30") == true)
        #expect(http(429, "", retryAfter: nil).params["retry_after"] == nil)
    }

    @Test(arguments: [500, 502, 503, 504])
    func serverErrorsAreGatewayFaults(_ status: Int) {
        let failure = http(status, "<html><head><title>\(status) Bad Gateway</title></head></html>")
        #expect(failure.kind == .upstream)
        #expect(failure.code == "http" && failure.params["status"] == .int(Int64(status)))
        #expect(failure.detail == "HTTP \(status); \(status) Bad Gateway")
    }

    @Test func badRequestIsAnUpstreamRejection() {
        let failure = http(400, newAPI("image could not be fetched", code: "invalid_image"))
        #expect(failure.kind == .upstream)
        #expect(failure.detail?.contains("image could not be fetched") == true)
    }

    @Test func moderationWordingWinsWhateverTheStatus() {
        #expect(http(400, #"{"error":{"message":"Your request was rejected as a result of our safety system.","code":"content_policy_violation"}}"#).kind == .moderation)
        #expect(http(403, newAPI("提示词包含敏感内容", code: "sensitive_words_detected")).kind == .moderation)
    }

    @Test func detailsNeverCarryKeysTokensOrURLs() {
        let body = #"{"error":{"message":"Incorrect API key provided: sk-abc123XYZ***wxyz. Header was Bearer sk-live-secret, image https://b.example/i.png?OSSAccessKeyId=LTAI&Signature=zz%3D failed; task-sk-1 ok","type":"invalid_request_error","code":"invalid_api_key"}}"#
        let detail = http(401, body).detail ?? ""
        #expect(!detail.contains("abc123"))
        #expect(!detail.contains("secret"))
        #expect(!detail.contains("Signature"))
        #expect(detail.contains("sk-***"))
        #expect(!detail.contains("https://"))
        #expect(detail.contains("<url b.example>"))
        #expect(detail.contains("task-sk-1"))
    }

    // MARK: - End of a 200 stream

    private func reader(_ escapedPieces: [String], done: Bool = true) -> ChatStreamReader {
        runContent(escapedPieces, done: done).reader
    }

    @Test func aVideoLinkMeansNoFailureWhateverTheTransportSays() {
        let r = reader(["[下载视频](https://a.example/v.mp4)\\n"], done: false)
        #expect(FailureClassifier.streamEnded(reader: r, transportError: .complete) == nil)
        #expect(FailureClassifier.streamEnded(reader: r, transportError: .cut(detail: "curl 18")) == nil)
    }

    @Test func refusalTextIsModerationEvenWhenTheStreamWasCut() {
        let r = reader(["> 🏃 进度：41.0%\\n", "> This content may violate our guardrails concerning similarity to third-party content.\\n"], done: false)
        let failure = FailureClassifier.streamEnded(reader: r, transportError: .cut(detail: "curl 56"))
        #expect(failure?.kind == .moderation)
        #expect(failure?.code == "stream")
        #expect(failure?.params["last_progress"] == 41)
        #expect(failure?.detail?.contains("guardrails") == true)
    }

    @Test func contentFilterFinishReasonIsModeration() {
        var r = ChatStreamReader()
        r.consume(payload: #"{"choices":[{"delta":{},"finish_reason":"content_filter"}]}"#)
        #expect(FailureClassifier.streamEnded(reader: r, transportError: .complete)?.kind == .moderation)
    }

    @Test func inStreamErrorIsUpstreamUnlessItSpeaksOfModeration() {
        var plain = ChatStreamReader()
        plain.consume(payload: #"{"error":{"message":"upstream returned 500","type":"server_error","code":null}}"#)
        let failure = FailureClassifier.streamEnded(reader: plain, transportError: .complete)
        #expect(failure?.kind == .upstream)
        #expect(failure?.detail?.contains("upstream returned 500") == true)

        var moderated = ChatStreamReader()
        moderated.consume(payload: #"{"error":{"message":"generation failed","type":"server_error","code":"sora_content_violation"}}"#)
        #expect(FailureClassifier.streamEnded(reader: moderated, transportError: .complete)?.kind == .moderation)
    }

    @Test func heavyLoadIsACapacityProblem() {
        let r = reader(["> ❌ 视频生成失败：Sora is under heavy load, please try again later\\n"])
        let failure = FailureClassifier.streamEnded(reader: r, transportError: .complete)
        #expect(failure?.kind == .upstream)
        #expect(failure?.code == "overloaded")
    }

    @Test func cutBeforeALinkIsStreamCutAndSaysItWasNotResubmitted() {
        let r = reader(["> ⌛️ 任务正在队列中\\n", "> 🏃 进度：36.0%\\n"], done: false)
        let failure = FailureClassifier.streamEnded(reader: r, transportError: .cut(detail: "curl 18: transfer closed with outstanding read data remaining"))
        #expect(failure?.kind == .streamCut)
        #expect(failure?.code == "cut")
        #expect(failure?.params["last_progress"] == 36)
        #expect(failure?.detail?.contains("curl 18") == true)
    }

    @Test func truncatedSignedLinkInACutStreamIsNotTakenAsAResult() {
        var r = ChatStreamReader()
        r.consume(payload: contentChunk("> ✅ 视频生成成功，[点击这里](https://b.example/sora/u.mp4?Expires=1\\u0026Signature=ab"))
        #expect(FailureClassifier.streamEnded(reader: r, transportError: .cut(detail: "curl 18"))?.kind == .streamCut)
    }

    @Test func stallAndTotalTimeoutsAreTimeoutsWithDifferentWords() {
        let r = reader(["> 🏃 进度：50%\\n"], done: false)
        let stalled = FailureClassifier.streamEnded(reader: r, transportError: .timedOut(stalled: true, detail: "no data for 600 s"))
        let total = FailureClassifier.streamEnded(reader: r, transportError: .timedOut(stalled: false, detail: "1800 s budget"))
        #expect(stalled?.kind == .timeout)
        #expect(total?.kind == .timeout)
        #expect(stalled?.code == "stall" && total?.code == "total")
        #expect(stalled?.detail?.hasPrefix("stalled") == true)
        #expect(total?.detail?.hasPrefix("total time budget exceeded") == true)
    }

    @Test func otherTransportErrorsAreUpstream() {
        let failure = FailureClassifier.streamEnded(reader: ChatStreamReader(), transportError: .other(detail: "Could not resolve host"))
        #expect(failure?.kind == .upstream)
    }

    @Test func cleanEndWithoutAnyEndMarkerIsReportedAsACut() {
        var r = ChatStreamReader()
        r.consume(payload: contentChunk("> 🏃 进度：36.0%\\n"))
        #expect(FailureClassifier.streamEnded(reader: r, transportError: .complete)?.kind == .streamCut)
    }

    @Test func finishedStreamWithoutLinkIsNoLink() {
        let r = reader(["> 视频生成完成\\n", "[原始数据](https://h.example/source/t?sig=SECRET)\\n"])
        let failure = FailureClassifier.streamEnded(reader: r, transportError: .complete)
        #expect(failure?.kind == .noLink)
        #expect(failure?.detail?.contains("SECRET") == false)
    }

    @Test func gatewayFailureNoticeIsQuotedInNoLink() {
        let r = reader(["> ❌ 视频生成失败：任务超时\\n"])
        let failure = FailureClassifier.streamEnded(reader: r, transportError: .complete)
        #expect(failure?.kind == .noLink)
        #expect(failure?.code == "stream_ended")
        #expect(failure?.detail?.contains("任务超时") == true)
    }

    @Test func moderationKeywordsMatchCaseInsensitively() {
        #expect(ModerationText.matches("CONTENT POLICY"))
        #expect(ModerationText.matches("Guardrails"))
        #expect(!ModerationText.matches("生成中 🏃 进度 36.."))
        #expect(!ModerationText.matches("内容审核中"))
        #expect(ModerationText.matches("审核未通过"))
    }
}
