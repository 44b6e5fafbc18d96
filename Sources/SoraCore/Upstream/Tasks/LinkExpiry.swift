#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// When a signed result URL stops working, read from its own query (TOS/S3 V4
/// `X-…-Date` + `X-…-Expires`, OSS V1 `Expires=<epoch>`, OSS V4 `x-oss-date` + `x-oss-expires`).
/// nil when the URL does not say: the caller then assumes `SORA_LINK_TTL` and marks it estimated.
public enum LinkExpiry {
    public static func from(url: String) -> Date? {
        guard let comps = URLComponents(string: url), let items = comps.queryItems, !items.isEmpty else { return nil }
        var q: [String: String] = [:]
        for i in items { if let v = i.value { q[i.name.lowercased()] = v } }
        for prefix in ["x-tos-", "x-amz-", "x-oss-"] {
            if let date = q[prefix + "date"].flatMap(parseCompact), let secs = q[prefix + "expires"].flatMap(Double.init) {
                return date.addingTimeInterval(secs)
            }
        }
        if let epoch = q["expires"].flatMap(Double.init), epoch > 1_000_000_000 { return Date(timeIntervalSince1970: epoch) }
        return nil
    }

    /// `20250331T095113Z`.
    static func parseCompact(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count == 16, u[8] == 84, u[15] == 90 else { return nil }
        let iso = "\(s.prefix(4))-\(s.dropFirst(4).prefix(2))-\(s.dropFirst(6).prefix(2))T\(s.dropFirst(9).prefix(2)):\(s.dropFirst(11).prefix(2)):\(s.dropFirst(13).prefix(2))Z"
        return SpoolJSON.parseISO(iso)
    }
}
