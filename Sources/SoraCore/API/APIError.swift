import Foundation

/// An error answered to an API client as `{"error":{"code","message"}}` with an HTTP status.
public struct APIError: Error, Equatable, Sendable {
    public var status: Int
    public var code: String
    public var message: String

    public init(_ status: Int, _ code: String, _ message: String) {
        self.status = status; self.code = code; self.message = message
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
    public var body: [UInt8]
    /// Declared body length; checked against the limit before the body is read.
    public var contentLength: Int?

    public init(method: String, path: String, query: String = "", contentType: String? = nil,
                idempotencyKey: String? = nil, body: [UInt8] = [], contentLength: Int? = nil) {
        self.method = method; self.path = path; self.query = query; self.contentType = contentType
        self.idempotencyKey = idempotencyKey; self.body = body; self.contentLength = contentLength
    }

    /// Query parameters, percent-decoded (`+` is a space).
    public var queryItems: [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if let k = kv.first, !k.isEmpty { out[k] = kv.count > 1 ? kv[1] : "" }
        }
        return out
    }
}

/// A response: status, extra headers and a JSON body.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8]) {
        self.status = status; self.headers = headers; self.body = body
    }

    /// Encodes any `Encodable` value with the spool's JSON conventions.
    public static func json<T: Encodable>(_ status: Int, _ value: T, headers: [(String, String)] = []) -> APIResponse {
        let body = (try? SpoolJSON.encoder().encode(value)).map(Array.init) ?? Array("{}".utf8)
        return APIResponse(status: status, headers: headers, body: body)
    }

    public static func error(_ e: APIError) -> APIResponse {
        struct Body: Encodable { var error: Inner }
        struct Inner: Encodable { var code: String; var message: String }
        return json(e.status, Body(error: Inner(code: e.code, message: e.message)))
    }

    /// HTTP reason phrases for the statuses this API uses.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"; case 202: "Accepted"; case 400: "Bad Request"; case 404: "Not Found"
        case 405: "Method Not Allowed"; case 409: "Conflict"; case 413: "Content Too Large"
        case 415: "Unsupported Media Type"; case 500: "Internal Server Error"; case 503: "Service Unavailable"
        default: "Status"
        }
    }
}
