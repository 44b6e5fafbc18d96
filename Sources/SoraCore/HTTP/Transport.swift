#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP exchange, injected into everything that talks to the network so the worker's
/// decisions can be unit-tested with a scripted transport (Tests/SoraCoreTests).
public protocol HTTPTransport: Sendable {
    /// Performs `request`, streaming the final response's body to `handlers`. A request with
    /// `authorization` sends it only to the request's own origin: redirects to another origin
    /// are followed without it (a signed result URL must never see our key).
    func perform(_ request: AuthorizedRequest, handlers: HTTPHandlers) -> HTTPOutcome
}

/// A request plus the key to send with it, kept apart from the headers so no code path can
/// forward it by accident.
public struct AuthorizedRequest: Sendable {
    public var http: HTTPRequest
    /// `Authorization` header value (`Bearer …`), sent to `http.url`'s origin only.
    public var authorization: String?

    public init(_ http: HTTPRequest, authorization: String? = nil) { self.http = http; self.authorization = authorization }
}

extension HTTPTransport {
    /// Performs a request and collects the body in memory, up to `limit` bytes (small JSON answers).
    public func fetch(_ request: AuthorizedRequest, limit: Int = 1 << 20) -> (HTTPOutcome, [UInt8]) {
        var body: [UInt8] = []
        var handlers = HTTPHandlers()
        handlers.data = { chunk in
            guard body.count + chunk.count <= limit else { return false }
            body.append(contentsOf: chunk)
            return true
        }
        return (perform(request, handlers: handlers), body)
    }
}

/// The real transport: libcurl, following redirects itself when a key is involved.
public struct CurlTransport: HTTPTransport {
    public static let maxRedirects = 5

    public init() {}

    public func perform(_ request: AuthorizedRequest, handlers: HTTPHandlers) -> HTTPOutcome {
        guard let authorization = request.authorization else { return HTTPClient.perform(request.http, handlers: handlers) }
        let origin = URLOrigin(request.http.url)
        var http = request.http
        http.followRedirects = false
        for _ in 0...Self.maxRedirects {
            var hop = http
            if origin != nil, URLOrigin(hop.url) == origin { hop.headers.append(("Authorization", authorization)) }
            var location: String?
            var wrapped = handlers
            wrapped.head = { head in
                if (300..<400).contains(head.status), let l = head.headers["location"], !l.isEmpty {
                    location = l
                    return true  // read (and drop) the redirect's own body
                }
                return handlers.head(head)
            }
            wrapped.data = { chunk in location != nil ? true : handlers.data(chunk) }
            let outcome = HTTPClient.perform(hop, handlers: wrapped)
            guard let location, outcome.completed, let next = URL(string: location, relativeTo: URL(string: hop.url))?.absoluteURL,
                  ["http", "https"].contains(next.scheme?.lowercased() ?? "") else { return outcome }
            http.url = next.absoluteString
            // A 303, or a 301/302 after a POST, turns into a GET without a body.
            if outcome.status == 303 || (http.method == "POST" && (outcome.status == 301 || outcome.status == 302)) {
                http.method = "GET"; http.body = .none
            }
        }
        return HTTPOutcome(head: nil, curlCode: 47, errorMessage: "too many redirects", abortedByCaller: false, bytesReceived: 0)
    }
}

/// Scheme, host and port of a URL, lower-cased, with default ports filled in.
public struct URLOrigin: Equatable, Sendable {
    public var scheme: String
    public var host: String
    public var port: Int

    public init?(_ url: String) {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), let host = u.host?.lowercased(),
              scheme == "http" || scheme == "https" else { return nil }
        self.scheme = scheme; self.host = host; self.port = u.port ?? (scheme == "https" ? 443 : 80)
    }
}
