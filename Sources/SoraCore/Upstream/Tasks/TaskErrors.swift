#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Classification shared by the task dialects: moderation codes, and what a non-2xx answer to a
/// create or a poll means (video-task-apis.md §1.6, §2.7, §5.2).
public enum TaskErrors {
    /// Codes and phrases that mark a moderation verdict (§5.2), checked case-insensitively.
    static let moderationCodeMarks = ["sensitivecontentdetected", "riskdetection", "datainspectionfailed",
                                      "data_inspection_failed", "ipinfringementsuspect", "moderation_blocked",
                                      "policyviolation", "content_policy"]
    static let moderationPhrases = ["sensitive", "inappropriate content", "copyright", "real person",
                                    "green net check failed", "policy violation", "moderation"]

    public static func isModeration(code: String?, message: String?) -> Bool {
        let c = (code ?? "").lowercased()
        if moderationCodeMarks.contains(where: { c.contains($0) }) { return true }
        let m = (message ?? "").lowercased()
        return moderationPhrases.contains { m.contains($0) } || ModerationText.matches(message ?? "")
    }

    /// Seconds from a `Retry-After` header (delta seconds, or an HTTP date).
    public static func retryAfter(_ headers: [String: String], now: Date = Date()) -> Double? {
        guard let raw = headers["retry-after"]?.trimmed, !raw.isEmpty else { return nil }
        if let s = Double(raw) { return max(0, s) }
        return HTTPDate.parse(raw).map { max(0, $0.timeIntervalSince(now)) }
    }

    /// A non-2xx answer to a create call. 4xx proves no task exists (so a 429 may be retried);
    /// 5xx and 408 leave the outcome unknown; a "no channel" 503 is a gateway refusal before any
    /// upstream call, so it proves nothing was created.
    public static func createRefusal(status: Int, code: String?, message: String?, headers: [String: String]) -> CreateAnswer {
        let detail = "HTTP \(status)" + (code.map { " \($0)" } ?? "") + (message.map { ": \($0)" } ?? "")
        let upstreamCode: JSONScalar = .string(code ?? "")
        if ModerationText.saysModelUnavailable(message ?? "") || ModerationText.saysModelUnavailable(code ?? "") {
            return .refused(JobFailure(.upstream, "model_unavailable", ["status": .int(Int64(status))], detail: detail), retry: nil)
        }
        switch status {
        case 400..<500 where status != 408:
            if isModeration(code: code, message: message) {
                return .refused(JobFailure(.moderation, "input", ["upstream_code": upstreamCode], detail: detail), retry: nil)
            }
            if status == 401 || status == 403 {
                return .refused(JobFailure(.upstream, "auth", ["status": .int(Int64(status)), "upstream_code": upstreamCode], detail: detail),
                                retry: nil)
            }
            if status == 404 {
                return .refused(JobFailure(.upstream, "model_unavailable", ["status": 404, "upstream_code": upstreamCode], detail: detail),
                                retry: nil)
            }
            if status == 429 {
                let wait = retryAfter(headers)
                var params: [String: JSONScalar] = ["status": 429, "upstream_code": upstreamCode]
                if let wait { params["retry_after"] = .number(wait) }
                return .refused(JobFailure(.upstream, "rate_limited", params, detail: detail), retry: RetryHint(after: wait))
            }
            return .refused(JobFailure(.upstream, "http", ["status": .int(Int64(status)), "upstream_code": upstreamCode], detail: detail),
                            retry: nil)
        default:
            return .unknown(JobFailure(.ambiguous, status >= 500 ? "create_5xx" : "create_unreadable",
                                       ["status": .int(Int64(status))], detail: detail))
        }
    }

    /// A non-2xx answer to a poll: the task is still ours; 404 may mean it is gone.
    public static func pollError(status: Int, headers: [String: String], detail: String) -> PollAnswer {
        if status == 404 { return .notFound("HTTP 404: \(detail)") }
        return .transient("HTTP \(status): \(detail)", retryAfter: retryAfter(headers))
    }
}

/// RFC 7231 dates (`Sun, 06 Nov 1994 08:49:37 GMT`), without ICU.
enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func parse(_ s: String) -> Date? {
        let p = s.split(separator: " ")
        guard p.count == 6, let d = Int32(p[1]), let m = months.firstIndex(of: p[2].lowercased()), let y = Int32(p[3]) else { return nil }
        let t = p[4].split(separator: ":").compactMap { Int32($0) }
        guard t.count == 3 else { return nil }
        var tmv = tm()
        tmv.tm_year = y - 1900; tmv.tm_mon = Int32(m); tmv.tm_mday = d; tmv.tm_hour = t[0]; tmv.tm_min = t[1]; tmv.tm_sec = t[2]
        return Date(timeIntervalSince1970: Double(timegm(&tmv)))
    }
}
