#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

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

/// Maps what went wrong with a chat-stream generation to a `JobFailure`: a kind, a code and
/// parameters the page words (docs/contract.md §5), and a short English `detail` (gateway
/// message, request id, transport reason), scrubbed of keys, tokens and URLs. Pure.
public enum FailureClassifier {
    // MARK: - Before the stream

    /// Classifies a non-200 answer to the create call (A.7.1). The gateway refused before
    /// generating: nothing was created.
    public static func httpError(status: Int, body: [UInt8], retryAfter: String?) -> JobFailure {
        let gateway = GatewayError.parse(body: body)
        let text = [gateway?.message, gateway?.code, gateway?.type].compactMap { $0 }.joined(separator: " ")
        let detail = httpDetail(status: status, gateway: gateway, retryAfter: retryAfter)
        let s: JSONScalar = .int(Int64(status))
        let upstreamCode: JSONScalar = .string(gateway?.code ?? "")

        if ModerationText.matches(text) {
            return JobFailure(.moderation, "input", ["upstream_code": upstreamCode, "status": s], detail: detail)
        }
        if status == 404 || ModerationText.saysModelUnavailable(text) {
            return JobFailure(.upstream, "model_unavailable", ["status": s], detail: detail)
        }
        switch status {
        case 401, 403:
            return JobFailure(.upstream, "auth", ["status": s], detail: detail)
        case 429:
            var p: [String: JSONScalar] = ["status": s]
            if let wait = retryAfter.flatMap({ Double($0.trimmed) }) { p["retry_after"] = .number(wait) }
            return JobFailure(.upstream, "rate_limited", p, detail: detail)
        default:
            return JobFailure(.upstream, "http", ["status": s, "upstream_code": upstreamCode], detail: detail)
        }
    }

    static func httpDetail(status: Int, gateway: GatewayError?, retryAfter: String?) -> String {
        var parts = ["HTTP \(status)"]
        if let gateway { parts.append(describe(gateway)) }
        if let retryAfter, !retryAfter.isEmpty { parts.append("Retry-After: \(retryAfter.prefix(64))") }
        return Scrub.text(parts.joined(separator: "; "))
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
    /// JSON answer) → `stream_cut`; otherwise `no_link`. Every code carries `last_progress` when
    /// the stream reported one.
    public static func streamEnded(reader: ChatStreamReader, transportError: TransportEnd) -> JobFailure? {
        var reader = reader
        reader.finish(textIsComplete: transportError == .complete)
        if reader.videoLink != nil { return nil }
        let context = streamContext(reader)
        var base: [String: JSONScalar] = [:]
        if let p = reader.progress { base["last_progress"] = .number(p) }
        func with(_ extra: [String: JSONScalar]) -> [String: JSONScalar] { base.merging(extra) { $1 } }

        if let refusal = reader.refusal {
            return JobFailure(.moderation, "stream", base, detail: "refusal: \(refusal); \(context)")
        }
        if reader.finishReason?.lowercased() == "content_filter" {
            return JobFailure(.moderation, "stream", with(["finish_reason": "content_filter"]), detail: "finish_reason=content_filter; \(context)")
        }
        if let error = reader.streamError {
            let text = [error.message, error.code, error.type].compactMap { $0 }.joined(separator: " ")
            let detail = "in-stream error: \(describe(error)); \(context)"
            if ModerationText.matches(text) { return JobFailure(.moderation, "stream", base, detail: detail) }
            if ModerationText.mentionsHeavyLoad(text) { return JobFailure(.upstream, "overloaded", base, detail: detail) }
            return JobFailure(.upstream, "error_in_stream", with(["upstream_code": .string(error.code ?? "")]), detail: detail)
        }
        if reader.mentionsHeavyLoad {
            return JobFailure(.upstream, "overloaded", base, detail: "upstream under heavy load; \(context)")
        }
        switch transportError {
        case .cut(let why):
            return JobFailure(.streamCut, "cut", base, detail: "stream cut before a link: \(why); \(context)")
        case .timedOut(let stalled, let why):
            return JobFailure(.timeout, stalled ? "stall" : "total", base,
                              detail: "\(stalled ? "stalled" : "total time budget exceeded"): \(why); \(context)")
        case .other(let why):
            return JobFailure(.upstream, "transport", base, detail: "transport error: \(why); \(context)")
        case .complete:
            break
        }
        if reader.chunkCount > 0, !reader.sawEndOfAnswer, reader.failureNotice == nil {
            return JobFailure(.streamCut, "no_end", base, detail: "body ended without [DONE] or finish_reason; \(context)")
        }
        return JobFailure(.noLink, "stream_ended", with(["notice": .bool(reader.failureNotice != nil)]),
                          detail: "no video link in the stream; \(context)")
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

    /// Kept for callers of the first release: the scrubbing now lives in `Scrub`.
    static func scrub(_ text: String) -> String { Scrub.text(text) }
}
