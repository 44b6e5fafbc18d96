#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The API of a deployment over HTTP(S) (`--url https://host[/prefix]`), through libcurl, with
/// `SORA_ADMIN_TOKEN` as `Authorization: Bearer` — sent to that origin only (`CurlTransport`
/// drops it on redirects elsewhere; media and signed store links never see it).
public struct RemoteAPI: APICaller {
    /// `https://host/prefix`, without a trailing slash.
    public let base: String
    public let token: Secret?
    public let transport: HTTPTransport

    public init?(url: String, token: Secret?, transport: HTTPTransport = CurlTransport()) {
        var u = url.trimmed
        while u.hasSuffix("/") { u.removeLast() }
        guard URLOrigin(u) != nil else { return nil }
        base = u; self.token = token; self.transport = transport
    }

    public var place: String { base }

    public func call(_ c: APICall) -> Result<APIAnswer, APIUnreachable> {
        var http = HTTPRequest(method: c.method, url: base + c.path + (c.query.isEmpty ? "" : "?" + c.query),
                               headers: [("Accept", "application/json")], body: c.body.isEmpty ? .none : .bytes(c.body))
        if !c.body.isEmpty { http.headers.append(("Content-Type", "application/json")) }
        if let key = c.idempotencyKey { http.headers.append(("Idempotency-Key", key)) }
        http.connectTimeout = 10
        http.totalTimeout = 120  // an upload of a 10 MB frame on a slow line
        let auth = token.map { "Bearer \($0.reveal())" }
        let (outcome, body) = transport.fetch(AuthorizedRequest(http, authorization: auth), limit: 32 << 20)
        guard outcome.completed, let head = outcome.head else {
            let why = outcome.errorMessage.isEmpty ? "no answer" : outcome.errorMessage
            if outcome.tlsFailed {
                return .failure(APIUnreachable("\(base): its certificate is not trusted (\(why)); behind a private CA, name the CA with --ca-file"))
            }
            return .failure(APIUnreachable("\(base): \(why)"))
        }
        return .success(APIAnswer(status: head.status, headers: head.headers, body: body))
    }

    /// Polls the static status file, as the page does (no Swift behind it).
    public func statusDocument(id: String, statusURL: String) -> StatusDocument? {
        var http = HTTPRequest(method: "GET", url: resolve(statusURL), headers: [("Accept", "application/json"), ("Cache-Control", "no-store")])
        http.connectTimeout = 10
        http.totalTimeout = 30
        let (outcome, body) = transport.fetch(AuthorizedRequest(http), limit: 1 << 20)
        guard outcome.completed, outcome.status == 200 else { return nil }
        return try? SpoolJSON.decoder().decode(StatusDocument.self, from: Data(body))
    }

    public func download(url: String, videoKey: String?, to fd: Int32) -> Result<Int64, APIUnreachable> {
        Self.fetchVideo(url: resolve(url), to: fd)
    }

    /// An absolute URL for a path the service gave (`/status/…`, `/media/…`): relative ones are
    /// on the deployment's origin (they already carry its prefix).
    public func resolve(_ url: String) -> String {
        if url.hasPrefix("http://") || url.hasPrefix("https://") { return url }
        guard let o = URLOrigin(base) else { return url }
        let port = o.port == (o.scheme == "https" ? 443 : 80) ? "" : ":\(o.port)"
        return "\(o.scheme)://\(o.host)\(port)\(url.hasPrefix("/") ? "" : "/")\(url)"
    }

    /// Streams a video to `fd`, without any key: media links are public or signed.
    static func fetchVideo(url: String, to fd: Int32) -> Result<Int64, APIUnreachable> {
        var http = HTTPRequest(method: "GET", url: url)
        http.connectTimeout = 10
        http.lowSpeedLimit = 1
        http.lowSpeedTime = 60
        var status = 0
        var writeError: String?
        var handlers = HTTPHandlers()
        handlers.head = { head in status = head.status; return (200..<300).contains(head.status) }
        handlers.data = { chunk in
            do { try FileIO.writeAll(fd, Array(chunk), path: "output"); return true } catch {
                writeError = "\(error)"; return false
            }
        }
        let outcome = CurlTransport().perform(AuthorizedRequest(http), handlers: handlers)
        if let writeError { return .failure(APIUnreachable(writeError)) }
        guard outcome.completed, (200..<300).contains(status) else {
            return .failure(APIUnreachable(status >= 300 ? "the video link answered HTTP \(status)" : outcome.errorMessage))
        }
        return .success(outcome.bytesReceived)
    }
}
