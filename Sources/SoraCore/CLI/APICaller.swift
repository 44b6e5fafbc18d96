#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One API call as the command line makes it: the method, path, query, body and
/// Idempotency-Key a browser or a script would send over HTTP (docs/contract.md).
public struct APICall: Sendable {
    public var method: String
    /// `/api/generate`, `/api/jobs/<id>/cancel`, …
    public var path: String
    public var query: String
    /// A JSON body (sent as `application/json`), or empty.
    public var body: [UInt8]
    public var idempotencyKey: String?

    public init(_ method: String, _ path: String, query: String = "", body: [UInt8] = [], idempotencyKey: String? = nil) {
        self.method = method; self.path = path; self.query = query; self.body = body; self.idempotencyKey = idempotencyKey
    }
}

/// The API's answer: status, headers (lower-cased names) and body.
public struct APIAnswer: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status; self.headers = headers; self.body = body
    }

    public var json: JSONValue? { JSONValue.parse(body) }
    public var ok: Bool { (200..<300).contains(status) }
    /// `error.code` of an error answer (`budget_exceeded`, `not_found`, …).
    public var errorCode: String? { ok ? nil : json?.firstString("error.code") }
    public var errorMessage: String? { ok ? nil : json?.firstString("error.message") }

    public func decode<T: Decodable>(_ type: T.Type) -> T? {
        try? SpoolJSON.decoder().decode(type, from: Data(body))
    }
}

/// No answer at all: the service could not be reached (remote), or the local setup cannot be used.
public struct APIUnreachable: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Where the command line sends its calls: the in-process router on the local spool
/// (`LocalAPI`), or a deployment over HTTPS (`RemoteAPI`). Both answer exactly what the HTTP
/// API answers, so every command has one code path for both.
public protocol APICaller: Sendable {
    func call(_ call: APICall) -> Result<APIAnswer, APIUnreachable>
    /// The job's status document as the page reads it: the status file (`status_url`), not
    /// the API, so following a job costs the service no Swift request.
    func statusDocument(id: String, statusURL: String) -> StatusDocument?
    /// Bytes of a finished video at `url` (as `video_url` gives it), written to `fd`.
    func download(url: String, videoKey: String?, to fd: Int32) -> Result<Int64, APIUnreachable>
    /// "local spool /var/lib/…" or "https://host/prefix", for messages.
    var place: String { get }
}
