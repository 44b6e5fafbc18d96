import Foundation

/// How the HTTP transfer of a generation stream ended, as the client saw it.
public enum TransportEnd: Sendable, Equatable {
    /// The body ended normally (terminating chunk received).
    case complete
    /// The connection closed mid-body (libcurl 18 / 56, or the body ended inside an event).
    case cut(detail: String)
    /// A timeout fired: `stalled` for the idle (low-speed) limit, false for the total budget.
    case timedOut(stalled: Bool, detail: String)
    /// Any other transport failure (DNS, TLS, connect, our own abort…).
    case other(detail: String)
}

/// Maps what went wrong with a generation call to the user-facing `JobFailure`: a kind, a
/// friendly Chinese message for the page, and a short English `detail` (gateway message, request
/// id, transport reason). Pure; details are scrubbed of `sk-…` keys, bearer tokens and URL
/// query strings, and never include the video link.
public enum FailureClassifier {
    /// Longest `detail` kept, in characters.
    public static let maxDetailLength = 600

    static let moderationAdvice = "请修改提示词或图片后重试：避免真实人物、公众人物、品牌或版权角色、未成年人以及暴力等内容。"
    static let notResubmitted = "任务没有被自动重新提交，且可能已经计费。"

    // MARK: - Before the stream

    /// Classifies a non-200 answer to the create call (A.7.1).
    /// - Parameters:
    ///   - status: HTTP status code.
    ///   - body: the response body (JSON error object, text or HTML).
    ///   - retryAfter: the `Retry-After` header, if any.
    public static func httpError(status: Int, body: [UInt8], retryAfter: String?) -> JobFailure {
        let gateway = GatewayError.parse(body: body)
        let text = [gateway?.message, gateway?.code, gateway?.type].compactMap { $0 }.joined(separator: " ")
        let detail = httpDetail(status: status, gateway: gateway, retryAfter: retryAfter)

        if ModerationText.matches(text) {
            return JobFailure(kind: .moderation, message: "内容未通过网关审核（HTTP \(status)）。" + moderationAdvice, detail: detail)
        }
        if status == 404 || ModerationText.saysModelUnavailable(text) {
            // Gateway answers are `upstream` failures (the issue's taxonomy); `config` is for our own settings.
            return JobFailure(kind: .upstream, message: modelUnavailableMessage(status: status), detail: detail)
        }
        switch status {
        case 401:
            return JobFailure(kind: .upstream,
                              message: "视频网关拒绝了 API 密钥（HTTP 401）：密钥无效、缺失或已被删除。请管理员检查服务器配置中的密钥。",
                              detail: detail)
        case 402, 403:
            return JobFailure(kind: .upstream,
                              message: "视频网关不允许这个 API 密钥使用该模型（HTTP \(status)）：可能是密钥分组没有开通该模型、账户被禁用或余额不足。请管理员在网关后台检查。",
                              detail: detail)
        case 413:
            return JobFailure(kind: .upstream,
                              message: "请求体太大，被网关拒绝（HTTP 413），通常是首帧图片过大。请换一张更小的图片。",
                              detail: detail)
        case 429:
            var message = "视频网关限流或额度受限（HTTP 429），请稍后再试。"
            if let wait = retryAfterText(retryAfter) { message += "网关建议\(wait)后重试。" }
            return JobFailure(kind: .upstream, message: message, detail: detail)
        case 400...499:
            return JobFailure(kind: .upstream,
                              message: "视频网关拒绝了这个请求（HTTP \(status)），例如图片无法读取或参数不受支持。详情见技术信息。",
                              detail: detail)
        case 500...599:
            return JobFailure(kind: .upstream,
                              message: "视频网关或上游服务出现故障（HTTP \(status)），请稍后重试。任务没有被自动重新提交。",
                              detail: detail)
        default:
            return JobFailure(kind: .upstream, message: "视频网关返回了意外的状态（HTTP \(status)）。", detail: detail)
        }
    }

    static func modelUnavailableMessage(status: Int) -> String {
        "网关没有提供这个模型（HTTP \(status)）：模型已下线，或没有对当前密钥的分组开放。"
            + "注意：apiyi 已于 2026-04-26 下线 sora_video2 系列，OpenAI 已于 2026-09-24 关闭全部 sora-2 模型。"
            + "请管理员在配置中改用仍在服务的模型或网关。"
    }

    /// `Retry-After` in words: seconds (`约 30 秒`) or the HTTP date as sent.
    static func retryAfterText(_ value: String?) -> String? {
        guard let raw = value?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
        if let seconds = Int(raw), seconds >= 0 {
            return seconds >= 120 ? "约 \(seconds / 60) 分钟" : "约 \(seconds) 秒"
        }
        return "在 \(String(raw.prefix(64))) 之"
    }

    static func httpDetail(status: Int, gateway: GatewayError?, retryAfter: String?) -> String {
        var parts = ["HTTP \(status)"]
        if let gateway { parts.append(describe(gateway)) }
        if let retryAfter, !retryAfter.isEmpty { parts.append("Retry-After: \(retryAfter.prefix(64))") }
        return scrub(parts.joined(separator: "; "))
    }

    static func describe(_ error: GatewayError) -> String {
        var text = error.plainMessage.isEmpty ? "(no message)" : error.plainMessage
        let extras = [error.type.map { "type=\($0)" }, error.code.map { "code=\($0)" },
                      error.requestID.map { "request id=\($0)" }].compactMap { $0 }
        if !extras.isEmpty { text += " [" + extras.joined(separator: ", ") + "]" }
        return text
    }

    // MARK: - After the stream

    /// Classifies the end of a 200 answer (A.7.2–A.7.5), streamed or a whole JSON body; nil when
    /// the reader found a video link. The reader is finished on a copy first (as complete text
    /// only for `.complete`), unless the caller already finished it. Map a body that ended inside
    /// an event (`ChatStreamReader.endedMidEvent` after `finish`, or `SSEParser.hasPartialEvent`
    /// on the event interface) to `.cut` before calling.
    ///
    /// Order: refusal text or `content_filter` → `moderation`; in-stream error (moderation wording
    /// → `moderation`, capacity → `upstream`, else `upstream`); "under heavy load" text →
    /// `upstream`; a cut body → `stream_cut`; timeouts → `timeout`; other transport errors →
    /// `upstream`; a body that ended with neither `[DONE]` nor a `finish_reason` (nor was a whole
    /// JSON answer) → `stream_cut`; otherwise `no_link`.
    public static func streamEnded(reader: ChatStreamReader, transportError: TransportEnd) -> JobFailure? {
        var reader = reader
        reader.finish(textIsComplete: transportError == .complete)
        if reader.videoLink != nil { return nil }
        let context = streamContext(reader)

        if let refusal = reader.refusal {
            return JobFailure(kind: .moderation, message: "视频生成被拒绝：内容可能违反了内容政策。" + moderationAdvice,
                              detail: scrub("refusal: \(refusal); \(context)"))
        }
        if reader.finishReason?.lowercased() == "content_filter" {
            return JobFailure(kind: .moderation, message: "视频生成被内容过滤器拦截。" + moderationAdvice,
                              detail: scrub("finish_reason=content_filter; \(context)"))
        }
        if let error = reader.streamError {
            let text = [error.message, error.code, error.type].compactMap { $0 }.joined(separator: " ")
            let detail = scrub("in-stream error: \(describe(error)); \(context)")
            if ModerationText.matches(text) {
                return JobFailure(kind: .moderation, message: "视频生成被上游拒绝：内容可能违反了内容政策。" + moderationAdvice,
                                  detail: detail)
            }
            if ModerationText.mentionsHeavyLoad(text) {
                return heavyLoad(detail: detail)
            }
            return JobFailure(kind: .upstream,
                              message: "生成过程中视频网关报告了错误，任务已终止。" + notResubmitted,
                              detail: detail)
        }
        if reader.mentionsHeavyLoad {
            return heavyLoad(detail: scrub("upstream under heavy load; \(context)"))
        }
        switch transportError {
        case .cut(let why):
            return JobFailure(kind: .streamCut,
                              message: "连接在返回视频之前中断了\(progressNote(reader))。这常常意味着内容被拒绝（可尝试修改提示词），但也可能只是网络中断。"
                                + notResubmitted,
                              detail: scrub("stream cut before a link: \(why); \(context)"))
        case .timedOut(let stalled, let why):
            let message = stalled
                ? "上游长时间没有任何数据，已停止等待\(progressNote(reader))。"
                : "生成超过了允许的最长时间，已停止等待\(progressNote(reader))。"
            return JobFailure(kind: .timeout,
                              message: message + "上游可能仍在生成，且可能已经计费；任务没有被自动重新提交。",
                              detail: scrub("\(stalled ? "stalled" : "total time budget exceeded"): \(why); \(context)"))
        case .other(let why):
            return JobFailure(kind: .upstream,
                              message: "与视频网关的连接出错，没有收到结果\(progressNote(reader))。" + notResubmitted,
                              detail: scrub("transport error: \(why); \(context)"))
        case .complete:
            break
        }
        if reader.chunkCount > 0, !reader.sawEndOfAnswer, reader.failureNotice == nil {
            return JobFailure(kind: .streamCut,
                              message: "视频网关在返回视频之前结束了响应，且没有结束标记\(progressNote(reader))。这常常意味着内容被拒绝，但也可能是网关中断。"
                                + notResubmitted,
                              detail: scrub("body ended without [DONE] or finish_reason; \(context)"))
        }
        var message = "生成结束了，但响应里没有视频链接"
        if let notice = reader.failureNotice { message += "。上游说明：\(notice)" }
        return JobFailure(kind: .noLink, message: message + "。" + notResubmitted,
                          detail: scrub("no video link in the stream; \(context)"))
    }

    static func heavyLoad(detail: String) -> JobFailure {
        JobFailure(kind: .upstream,
                   message: "上游当前负载过高，没有开始生成，请稍后再试（这类失败据称不计费，但无法保证）。",
                   detail: detail)
    }

    static func progressNote(_ reader: ChatStreamReader) -> String {
        guard let progress = reader.progress else { return "" }
        return "（最后进度 \(formatPercent(progress))）"
    }

    static func formatPercent(_ value: Double) -> String {
        value.rounded() == value ? "\(Int(value))%" : "\((value * 10).rounded() / 10)%"
    }

    static func streamContext(_ reader: ChatStreamReader) -> String {
        var parts = ["chunks=\(reader.chunkCount)"]
        if reader.malformedEvents > 0 { parts.append("malformed=\(reader.malformedEvents)") }
        if let progress = reader.progress { parts.append("progress=\(formatPercent(progress))") }
        parts.append("done=\(reader.sawDone)")
        if let reason = reader.finishReason { parts.append("finish_reason=\(reason)") }
        if let id = reader.upstreamTaskID { parts.append("upstream task=\(id)") }
        if let notice = reader.failureNotice { parts.append("notice: \(notice)") }
        if !reader.stage.isEmpty { parts.append("stage: \(reader.stage)") }
        return parts.joined(separator: ", ")
    }

    // MARK: - Scrubbing

    /// Collapses whitespace, masks `sk-…` keys and bearer tokens, drops URL query strings and cuts
    /// to `maxDetailLength`.
    static func scrub(_ text: String) -> String {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        var out: [String] = []
        var maskNext = false
        for word in words {
            if maskNext {
                out.append("***")
                maskNext = false
                continue
            }
            if word.lowercased() == "bearer" { maskNext = true; out.append(word); continue }
            out.append(scrubWord(word))
        }
        let joined = out.joined(separator: " ")
        return joined.count > maxDetailLength ? String(joined.prefix(maxDetailLength - 1)) + "…" : joined
    }

    static func scrubWord(_ word: String) -> String {
        var result = ""
        var rest = Substring(word)
        var previous: Character?
        while let first = rest.first {
            let atBoundary = previous.map { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } ?? true
            if atBoundary, rest.prefix(4).lowercased() == "http", let q = rest.firstIndex(of: "?") {
                let end = rest[q...].firstIndex { "\"'<>)]".contains($0) } ?? rest.endIndex
                result += rest[..<q]
                result += "?…"
                rest = rest[end...]
                previous = "…"
                continue
            }
            if atBoundary, rest.hasPrefix("sk-") {
                let keyEnd = rest.dropFirst(3).firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || "_-*".contains($0))) }
                    ?? rest.endIndex
                result += "sk-***"
                rest = rest[keyEnd...]
                previous = "*"
                continue
            }
            result.append(first)
            previous = first
            rest = rest.dropFirst()
        }
        return result
    }
}
