#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `sora doctor`'s gateway check: one cheap authenticated GET per (protocol, API root, key) of
/// the models in use — never a create, which costs money. Per protocol:
///
/// - `ark_tasks`: the task list, `GET …/contents/generations/tasks?page_num=1&page_size=1`. Ark
///   has no model list on the task API; the list is free, read-only, and proves the key may use
///   the very endpoint jobs are made on.
/// - `dashscope_tasks`: the task query list, `GET …/tasks?page_no=1&page_size=1` (free; the
///   key is checked the same way as for a create).
/// - `openai_videos`: `GET …/videos?limit=1`, the resource jobs are made on; gateways that do not
///   list videos (404/405) are asked `GET …/models` instead.
/// - `chat_stream`: `GET …/models`, the OpenAI-style model list.
///
/// The answer's `Date` header also gives the clock skew (signed store links and request
/// signatures fail beyond a few minutes).
public enum GatewayProbe {
    public struct Target: Hashable, Sendable {
        public var `protocol`: UpstreamProtocolName
        public var apiRoot: String
        public var keySetting: String
        public var models: [String]
    }

    /// One target per (protocol, API root, key setting) among the models that are not retired.
    public static func targets(config: Config) -> [Target] {
        var out: [Target] = []
        for m in config.catalog.models where !m.retired {
            let root = config.baseURL(for: m), key = m.apiKeyEnv ?? "SORA_API_KEY"
            if let i = out.firstIndex(where: { $0.protocol == m.protocol && $0.apiRoot == root && $0.keySetting == key }) {
                out[i].models.append(m.id)
            } else {
                out.append(Target(protocol: m.protocol, apiRoot: root, keySetting: key, models: [m.id]))
            }
        }
        return out
    }

    /// The GETs to try, in order (a later one only when the gateway does not offer the former).
    public static func requests(for t: Target) -> [HTTPRequest] {
        let urls: [String] = switch t.protocol {
        case .arkTasks: [t.apiRoot + "/contents/generations/tasks?page_num=1&page_size=1"]
        case .dashscopeTasks: [t.apiRoot + "/tasks?page_no=1&page_size=1"]
        case .openaiVideos: [t.apiRoot + "/videos?limit=1", t.apiRoot + "/models"]
        case .chatStream: [t.apiRoot + "/models"]
        }
        return urls.map { url in
            var r = HTTPRequest(method: "GET", url: url, headers: [("Accept", "application/json")])
            r.connectTimeout = 5
            r.totalTimeout = 15
            return r
        }
    }

    /// Whether to try the next request: the gateway does not offer this listing.
    public static func notOffered(_ status: Int) -> Bool { status == 404 || status == 405 }

    /// The verdict on one answer (or on no answer).
    public static func verdict(_ t: Target, url: String, status: Int?, error: String, seconds: Double,
                               tlsFailed: Bool = false) -> DoctorFinding {
        let name = "gateway"
        let what = "\(t.protocol.rawValue) at \(display(url)) (\(t.models.joined(separator: ", ")))"
        if tlsFailed {
            return .fail(name, "\(what): its TLS certificate is not trusted here: \(error)",
                         fix: "if a private CA (or a proxy that inspects TLS) signed it, name a PEM bundle holding that CA in SORA_CA_FILE; otherwise the gateway's certificate is broken or someone is in between")
        }
        guard let status else {
            return .fail(name, "\(what): unreachable: \(error)",
                         fix: "check SORA_BASE_URL (or the models' base_url), DNS, the firewall and any proxy; try `curl -sS \(display(url))` from this host")
        }
        let took = fixed(seconds, 2) + " s"
        switch status {
        case 200..<300:
            return .ok(name, "\(what): reachable, key accepted (HTTP \(status), \(took))")
        case 401, 403:
            return .fail(name, "\(what): the key in \(t.keySetting) was refused (HTTP \(status))",
                         fix: "put a valid key for this gateway in \(t.keySetting) (in the config file), enabled for these models")
        case 404, 405:
            return .fail(name, "\(what): no such API here (HTTP \(status))",
                         fix: "check SORA_BASE_URL and the models' base_url: the path must end where the protocol's API starts")
        case 429:
            return .warn(name, "\(what): reachable but rate limited now (HTTP 429); the key was not confirmed",
                         fix: "run `sora doctor` again in a minute")
        default:
            return .warn(name, "\(what): reachable but answered HTTP \(status)",
                         fix: "see the gateway's status page; jobs made now may fail as `upstream`")
        }
    }

    /// The URL without its query, for messages.
    static func display(_ url: String) -> String { String(url.split(separator: "?", maxSplits: 1).first ?? "") }

    /// Local clock minus the gateway's `Date` header (positive: we are ahead). The header is
    /// cut to the second, so its middle (+0.5 s) is the best guess of the gateway's time.
    public static func skew(dateHeader: String?, now: Date) -> Double? {
        guard let d = dateHeader.flatMap(parseHTTPDate) else { return nil }
        return now.timeIntervalSince(d) - 0.5
    }

    public static func skewFinding(_ skew: Double, origin: String) -> DoctorFinding {
        let s = Int(skew.rounded())
        let text = "this host's clock is \(abs(s)) s \(s >= 0 ? "ahead of" : "behind") \(origin)"
        if abs(skew) <= 30 { return .ok("clock", text) }
        let fix = "sync the clock (systemd-timesyncd, chrony or ntpsec); signed store links and request signatures fail past a few minutes"
        return abs(skew) <= 300 ? .warn("clock", text, fix: fix) : .fail("clock", text, fix: fix)
    }

    /// `Tue, 25 Nov 2026 13:19:13 GMT` (RFC 9110 IMF-fixdate).
    public static func parseHTTPDate(_ s: String) -> Date? {
        let f = s.split(separator: " ").map(String.init)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        guard f.count == 6, f[5] == "GMT", let day = Int32(f[1]), let month = months.firstIndex(of: f[2]), let year = Int32(f[3]) else { return nil }
        let hms = f[4].split(separator: ":").compactMap { Int32($0) }
        guard hms.count == 3 else { return nil }
        var t = tm()
        t.tm_year = year - 1900; t.tm_mon = Int32(month); t.tm_mday = day
        t.tm_hour = hms[0]; t.tm_min = hms[1]; t.tm_sec = hms[2]
        return Date(timeIntervalSince1970: TimeInterval(timegm(&t)))
    }
}
