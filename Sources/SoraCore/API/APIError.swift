#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// An error answered to an API client as `{"error":{"code","message"}}` with an HTTP status.
/// The page words it from `code` and `params`; `message` is English, for developers and scripts.
public struct APIError: Error, Equatable, Sendable {
    public var status: Int
    public var code: String
    public var message: String
    public var params: [String: JSONScalar]
    /// Extra response headers (`Retry-After`).
    public var headers: [String: String]

    public init(_ status: Int, _ code: String, _ message: String, params: [String: JSONScalar] = [:], headers: [String: String] = [:]) {
        self.status = status; self.code = code; self.message = message; self.params = params; self.headers = headers
    }

    public static func invalidID(_ id: String) -> APIError {
        APIError(400, "invalid_id", "\"\(id.prefix(40))\" is not a job id")
    }
    public static let notFound = APIError(404, "not_found", "no such job")
}

/// A request as the responder hands it over: already bounded, no FastCGI types.
public struct APIRequest: Sendable {
    public var method: String
    /// Path without the query (`/api/status/01…`). Anything before `/api/` is a mount prefix.
    public var path: String
    public var query: String
    public var contentType: String?
    public var idempotencyKey: String?
    /// Request headers the API needs beyond the above (lower-cased names: `cookie`,
    /// `authorization`, `origin`, `sec-fetch-site`), and the client address.
    public var headers: [String: String]
    public var remoteAddress: String
    public var isHTTPS: Bool
    public var body: [UInt8]
    /// Declared body length; checked against the limit before the body is read.
    public var contentLength: Int?

    public init(method: String, path: String, query: String = "", contentType: String? = nil,
                idempotencyKey: String? = nil, headers: [String: String] = [:], remoteAddress: String = "",
                isHTTPS: Bool = false, body: [UInt8] = [], contentLength: Int? = nil) {
        self.method = method; self.path = path; self.query = query; self.contentType = contentType
        self.idempotencyKey = idempotencyKey; self.headers = headers; self.remoteAddress = remoteAddress
        self.isHTTPS = isHTTPS; self.body = body; self.contentLength = contentLength
    }

    /// Query parameters, percent-decoded (`+` is a space).
    public var queryItems: [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                Percent.decode(String($0), plusIsSpace: true)
            }
            if let k = kv.first, !k.isEmpty { out[k] = kv.count > 1 ? kv[1] : "" }
        }
        return out
    }
}

/// A response: status, extra headers and a body (JSON unless `contentType` says otherwise).
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var contentType: String

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8], contentType: String = "application/json; charset=utf-8") {
        self.status = status; self.headers = headers; self.body = body; self.contentType = contentType
    }

    /// Encodes any `Encodable` value with the spool's JSON conventions.
    public static func json<T: Encodable>(_ status: Int, _ value: T, headers: [(String, String)] = []) -> APIResponse {
        let body = (try? SpoolJSON.encoder().encode(value)).map(Array.init) ?? Array("{}".utf8)
        return APIResponse(status: status, headers: headers, body: body)
    }

    public static func error(_ e: APIError) -> APIResponse {
        struct Body: Encodable { var error: Inner }
        struct Inner: Encodable { var code: String; var message: String; var params: [String: JSONScalar] }
        return json(e.status, Body(error: Inner(code: e.code, message: e.message, params: e.params)),
                    headers: e.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// HTTP reason phrases for the statuses this API uses.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"; case 202: "Accepted"; case 400: "Bad Request"; case 401: "Unauthorized"
        case 402: "Payment Required"; case 403: "Forbidden"; case 404: "Not Found"
        case 405: "Method Not Allowed"; case 409: "Conflict"; case 413: "Content Too Large"
        case 415: "Unsupported Media Type"; case 422: "Unprocessable Content"; case 429: "Too Many Requests"
        case 500: "Internal Server Error"; case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
