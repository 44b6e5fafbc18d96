#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// How transient failures are retried: exponential backoff with jitter, each operation (each
/// multipart part on its own) getting `maxAttempts` tries.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    /// Delay before the second attempt, in seconds; doubles per attempt up to `maxDelay`.
    public var baseDelay: Double
    public var maxDelay: Double
    /// Sleeps for the given seconds; injected so tests do not wait.
    public var sleep: @Sendable (Double) -> Void

    /// The worker's default: 5 attempts, 0.5 s doubling to at most 30 s.
    public init(maxAttempts: Int = 5, baseDelay: Double = 0.5, maxDelay: Double = 30,
                sleep: @escaping @Sendable (Double) -> Void = { s in if s > 0 { usleep(useconds_t(min(s, 3600) * 1_000_000)) } }) {
        self.maxAttempts = max(1, maxAttempts); self.baseDelay = max(0, baseDelay); self.maxDelay = max(0, maxDelay); self.sleep = sleep
    }

    /// The pause before attempt `attempt + 1` ("equal jitter": half fixed, half random, so
    /// concurrent workers spread out but never retry at once).
    public func delay(afterAttempt attempt: Int) -> Double {
        let cap = min(maxDelay, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return cap / 2 + Double.random(in: 0...(cap / 2))
    }
}

/// Where a store lives: scheme, host and optional port of its endpoint.
public struct StoreEndpoint: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int?

    /// Parses `https://host[:port]` or a bare `host[:port]` (https assumed). Nil for paths,
    /// queries, user info or other schemes.
    public init?(_ text: String) {
        var rest = text.trimmed
        var scheme = "https"
        if let range = rest.range(ofText: "://") {
            scheme = rest[..<range.lowerBound].lowercased()
            rest = String(rest[range.upperBound...])
        }
        if rest.hasSuffix("/") { rest.removeLast() }
        guard scheme == "http" || scheme == "https", !rest.isEmpty,
              !rest.contains("/"), !rest.contains("?"), !rest.contains("@"), !rest.contains(" ") else { return nil }
        var host = rest
        var port: Int?
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
            host = String(rest[..<colon])
        }
        guard !host.isEmpty else { return nil }
        self.scheme = scheme; self.host = host.lowercased(); self.port = port
    }

    /// `host` or `host:port` as the `Host` header shows it (default ports omitted, as curl does).
    public func hostHeader(host h: String? = nil) -> String {
        let name = h ?? host
        guard let port, !(scheme == "https" && port == 443), !(scheme == "http" && port == 80) else { return name }
        return "\(name):\(port)"
    }

    /// True for IP literals and `localhost`, which stores can only be reached at path-style.
    public var isIPOrLocalhost: Bool {
        if host == "localhost" || host.hasPrefix("[") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}

/// One store request before signing. `path` is the unencoded resource path on the host
/// (`/key` for virtual-host addressing, `/bucket/key` for path style).
struct StoreRequest {
    var operation: String
    var method: String
    var key: String
    var query: [(String, String)] = []
    var headers: [(String, String)] = []
    var body: HTTPBody = .none
    /// Statuses other than 2xx that count as success (DELETE of a missing object: 404).
    var alsoAccept: Set<Int> = []
}

/// What differs between OSS and S3: addressing, signing, part limits. Everything else (the
/// multipart flow, retries, verification) is shared in `ObjectStoreClient`.
protocol StoreDialect: Sendable {
    var backend: String { get }
    /// Smallest allowed non-last part.
    var minimumPartSize: Int64 { get }
    /// The secret, so the client can scrub it from anything it reports.
    var secret: String { get }
    /// Full URL and `Host` header for a key and query.
    func address(key: String, query: [(String, String)]) -> (url: String, host: String)
    /// Headers to send, signature included, for the request at time `date`.
    func sign(_ request: StoreRequest, host: String, date: Date) -> [(String, String)]
    /// A GET URL for a private object valid for `ttl` seconds from `date`.
    func presignedGetURL(key: String, ttl: Int, date: Date) -> String
    /// The unsigned URL of a key on the store itself (virtual host or path style).
    func plainURL(key: String) -> String
}

/// Upload tuning shared by both backends.
public struct TransferSettings: Sendable {
    /// Files at or above this size go through multipart upload.
    public var multipartThreshold: Int64
    /// Size of each multipart part (the last may be smaller); raised if 10,000 parts would not suffice.
    public var partSize: Int64
    public var retry: RetryPolicy
    /// Abort a request that moves fewer than 1 byte/s for this many seconds.
    public var stallSeconds: Int
    public var connectTimeout: Int

    /// Defaults: multipart from 64 MiB, 16 MiB parts, 60 s stall limit.
    public init(multipartThreshold: Int64 = 64 << 20, partSize: Int64 = 16 << 20, retry: RetryPolicy = RetryPolicy(),
                stallSeconds: Int = 60, connectTimeout: Int = 10) {
        self.multipartThreshold = multipartThreshold; self.partSize = partSize; self.retry = retry
        self.stallSeconds = stallSeconds; self.connectTimeout = connectTimeout
    }
}

/// Per-`store` call state: the clock offset learnt from a `RequestTimeTooSkewed` answer. One
/// upload runs on one thread, so this needs no locking and is never shared.
final class TransferSession {
    var clockOffset: TimeInterval = 0
}

/// The upload engine both stores use: single PUT or multipart with per-part retries, abort on
/// final failure, HEAD verification. Memory stays bounded: bodies stream from the file through
/// libcurl, and MD5s are computed over reads of at most 256 KiB.
struct ObjectStoreClient<Dialect: StoreDialect>: Sendable {
    let dialect: Dialect
    let transfer: TransferSettings
    let clock: @Sendable () -> Date

    // MARK: public operations

    func store(file: String, key: String, contentType: String, publicURL: (String) -> String) throws -> StoredObject {
        let size = try fileSize(file)
        let session = TransferSession()
        if size < transfer.multipartThreshold {
            let md5 = try FileDigest.md5Base64(path: file, offset: 0, length: size, backend: dialect.backend)
            var req = StoreRequest(operation: "PutObject", method: "PUT", key: key)
            req.headers = [("Content-Type", contentType), ("Content-MD5", md5)]
            req.body = .file(path: file, offset: 0, length: size)
            _ = try send(req, session: session)
        } else {
            try multipartUpload(file: file, size: size, key: key, contentType: contentType, session: session)
        }
        try verify(key: key, size: size, session: session)
        return StoredObject(key: key, url: publicURL(key), size: size)
    }

    func delete(key: String) throws {
        _ = try send(StoreRequest(operation: "DeleteObject", method: "DELETE", key: key, alsoAccept: [404]), session: TransferSession())
    }

    /// HEAD the object; returns its size (nil when it does not exist).
    func headSize(key: String, session: TransferSession) throws -> Int64? {
        let (head, _) = try send(StoreRequest(operation: "HeadObject", method: "HEAD", key: key, alsoAccept: [404]), session: session)
        guard head.status != 404 else { return nil }
        return head.headers["content-length"].flatMap { Int64($0) }
    }

    // MARK: multipart

    func effectivePartSize(for size: Int64) -> Int64 {
        var part = max(transfer.partSize, dialect.minimumPartSize)
        let mib: Int64 = 1 << 20
        if (size + part - 1) / part > 10_000 {
            part = ((size + 9_999) / 10_000 + mib - 1) / mib * mib // fewest whole MiB that fit in 10,000 parts
        }
        return part
    }

    private func multipartUpload(file: String, size: Int64, key: String, contentType: String, session: TransferSession) throws {
        var initiate = StoreRequest(operation: "InitiateMultipartUpload", method: "POST", key: key, query: [("uploads", "")])
        initiate.headers = [("Content-Type", contentType)]
        let (_, body) = try send(initiate, session: session)
        guard let uploadID = XMLText.first("UploadId", in: body), !uploadID.isEmpty else {
            throw StorageError(kind: .protocolViolation, backend: dialect.backend, operation: "InitiateMultipartUpload",
                               message: "the answer carried no UploadId")
        }
        let partSize = effectivePartSize(for: size)
        do {
            var etags: [(Int, String)] = []
            var offset: Int64 = 0
            var number = 1
            while offset < size || (size == 0 && number == 1) {
                let length = min(partSize, size - offset)
                let md5 = try FileDigest.md5Base64(path: file, offset: offset, length: length, backend: dialect.backend)
                var part = StoreRequest(operation: "UploadPart \(number)", method: "PUT", key: key,
                                        query: [("partNumber", String(number)), ("uploadId", uploadID)])
                part.headers = [("Content-MD5", md5)]
                part.body = .file(path: file, offset: offset, length: length)
                let (head, _) = try send(part, session: session)
                guard let etag = head.headers["etag"], !etag.isEmpty else {
                    throw StorageError(kind: .protocolViolation, backend: dialect.backend, operation: part.operation,
                                       message: "the answer carried no ETag")
                }
                etags.append((number, etag))
                offset += length
                number += 1
            }
            try complete(key: key, uploadID: uploadID, parts: etags, size: size, session: session)
        } catch {
            abort(key: key, uploadID: uploadID, session: session)
            throw error
        }
    }

    private func complete(key: String, uploadID: String, parts: [(Int, String)], size: Int64, session: TransferSession) throws {
        var xml = "<CompleteMultipartUpload>"
        for (number, etag) in parts {
            let quoted = etag.hasPrefix("\"") ? etag : "\"\(etag)\""
            xml += "<Part><PartNumber>\(number)</PartNumber><ETag>\(XMLText.escape(quoted))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let bytes = Array(xml.utf8)
        var req = StoreRequest(operation: "CompleteMultipartUpload", method: "POST", key: key, query: [("uploadId", uploadID)])
        req.headers = [("Content-Type", "application/xml"), ("Content-MD5", Data(Digest.hash(.md5, bytes)).base64EncodedString())]
        req.body = .bytes(bytes)
        do {
            _ = try send(req, session: session)
        } catch let error as StorageError where error.code == "NoSuchUpload" && error.attempts > 1 {
            // An earlier attempt may have completed the upload before its answer was lost.
            if try headSize(key: key, session: session) == size { return }
            throw error
        }
    }

    /// Best effort: a failed abort must not hide the error that caused it, but it is retried
    /// like any request so that no parts are left behind.
    private func abort(key: String, uploadID: String, session: TransferSession) {
        let req = StoreRequest(operation: "AbortMultipartUpload", method: "DELETE", key: key,
                               query: [("uploadId", uploadID)], alsoAccept: [404])
        _ = try? send(req, session: session)
    }

    private func verify(key: String, size: Int64, session: TransferSession) throws {
        let stored = try headSize(key: key, session: session)
        guard stored == size else {
            throw StorageError(kind: .verification, backend: dialect.backend, operation: "HeadObject",
                               message: stored.map { "stored size \($0) differs from the file's \(size) bytes" }
                                   ?? "the object is missing after upload")
        }
    }

    // MARK: one request, with retries

    /// Signs and sends `request`, retrying transient failures; returns the final head and body
    /// (bodies are small XML; object bodies are never downloaded here).
    func send(_ request: StoreRequest, session: TransferSession) throws -> (HTTPResponseHead, [UInt8]) {
        var attempt = 0
        while true {
            attempt += 1
            let now = clock().addingTimeInterval(session.clockOffset)
            let (url, host) = dialect.address(key: request.key, query: request.query)
            var http = HTTPRequest(method: request.method, url: url,
                                   headers: [("Host", host)] + dialect.sign(request, host: host, date: now), body: request.body)
            http.connectTimeout = transfer.connectTimeout
            http.lowSpeedLimit = 1
            http.lowSpeedTime = transfer.stallSeconds
            let (outcome, body) = HTTPClient.fetch(http, limit: 256 << 10)
            let verdict = classify(request, outcome: outcome, body: body, attempt: attempt)
            switch verdict {
            case .success(let head):
                return (head, body)
            case .permanent(let error):
                throw error
            case .transient(let error, let serverDate):
                if let serverDate { session.clockOffset = serverDate.timeIntervalSince(clock()) }
                guard attempt < transfer.retry.maxAttempts else {
                    var final = error
                    final.attempts = attempt
                    if final.kind == .rejected { final.kind = .unavailable }
                    throw final
                }
                // A skew answer is fixed by the resync itself: retry at once.
                if serverDate == nil { transfer.retry.sleep(transfer.retry.delay(afterAttempt: attempt)) }
            }
        }
    }

    enum Verdict {
        case success(HTTPResponseHead)
        case permanent(StorageError)
        /// Retry; a server date means "resync the clock first".
        case transient(StorageError, Date?)
    }

    func classify(_ request: StoreRequest, outcome: HTTPOutcome, body: [UInt8], attempt: Int) -> Verdict {
        let backend = dialect.backend
        // An answer counts when the transfer finished, or when the store sent an error document
        // before the upload ended (it may stop reading a body it has already refused).
        let answered = outcome.completed || XMLText.first("Code", in: body) != nil
        guard let head = outcome.head, answered else {
            let message = scrub(outcome.errorMessage.isEmpty ? "curl error \(outcome.curlCode)" : outcome.errorMessage)
            var error = StorageError(kind: .network, backend: backend, operation: request.operation,
                                     message: message, attempts: attempt)
            // A certificate this machine doesn't trust stays untrusted: retrying can't help.
            guard outcome.tlsFailed else { return .transient(error, nil) }
            error.message = "TLS: \(message) (a private CA goes in SORA_CA_FILE)"
            return .permanent(error)
        }
        let code = XMLText.first("Code", in: body)
        let requestID = head.headers["x-oss-request-id"] ?? head.headers["x-amz-request-id"] ?? XMLText.first("RequestId", in: body)
        let ok = (200..<300).contains(head.status) || request.alsoAccept.contains(head.status)
        // S3 may answer CompleteMultipartUpload with 200 and an <Error> body.
        if ok && !(head.status == 200 && code != nil && XMLText.hasRoot("Error", in: body)) {
            return .success(head)
        }
        let message = scrub(XMLText.first("Message", in: body) ?? "")
        let error = StorageError(kind: .rejected, backend: backend, operation: request.operation, status: head.status,
                                 code: code ?? (head.status == 404 && request.method == "HEAD" ? "NoSuchKey" : nil),
                                 message: message, requestID: requestID, attempts: attempt)
        switch (head.status, code) {
        case (_, "RequestTimeTooSkewed"?):
            let serverDate = head.headers["date"].flatMap(UTCTimestamp.parseRFC1123)
            var e = error
            e.kind = .unavailable
            return .transient(e, serverDate)
        case (500..., _), (429, _), (_, "RequestTimeout"?), (_, "SlowDown"?), (_, "InternalError"?), (_, "ServiceUnavailable"?):
            var e = error
            e.kind = .unavailable
            return .transient(e, nil)
        default:
            return .permanent(error)
        }
    }

    /// Removes the secret from text a server or library produced (defence in depth: no
    /// known answer echoes it).
    func scrub(_ text: String) -> String {
        let secret = dialect.secret
        guard secret.count >= 4 else { return text }
        return text.replacingText(secret, with: "[secret]")
    }

    private func fileSize(_ path: String) throws -> Int64 {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw StorageError(kind: .file, backend: dialect.backend, operation: "read",
                               message: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        return Int64(st.st_size)
    }
}

/// Streaming MD5 over a file slice through a buffer of at most 256 KiB (bounded memory for any
/// size; a small file gets a small one, since every page of a zero-filled buffer counts in RSS).
enum FileDigest {
    static func md5Base64(path: String, offset: Int64, length: Int64, backend: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw StorageError(kind: .file, backend: backend, operation: "read", message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let md5 = Digest.Stream(.md5)
        var buffer = [UInt8](repeating: 0, count: Int(min(256 << 10, max(length, 1))))
        var position = offset
        var remaining = length
        while remaining > 0 {
            let want = Int(min(Int64(buffer.count), remaining))
            let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(position)) }
            if got < 0 && errno == EINTR { continue }
            guard got > 0 else {
                throw StorageError(kind: .file, backend: backend, operation: "read",
                                   message: "short read from \(path) at \(position)")
            }
            buffer.withUnsafeBytes { md5.update(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            position += Int64(got)
            remaining -= Int64(got)
        }
        return Data(md5.finish()).base64EncodedString()
    }
}

/// Just enough XML for store answers: the text of the first element with a given name.
/// The answers are small, flat and machine-written, so a full parser would add nothing.
enum XMLText {
    static func first(_ tag: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let open = text.range(ofText: "<\(tag)>"),
              let close = text[open.upperBound...].range(ofText: "</\(tag)>") else { return nil }
        return unescape(String(text[open.upperBound..<close.lowerBound])).trimmed
    }

    static func hasRoot(_ tag: String, in body: [UInt8]) -> Bool {
        var text = Substring(String(decoding: body, as: UTF8.self)).drop { $0.isWhitespace }
        if text.hasPrefix("<?xml"), let end = text.range(ofText: "?>") { text = text[end.upperBound...].drop { $0.isWhitespace } }
        return text.hasPrefix("<\(tag)>") || text.hasPrefix("<\(tag) ")
    }

    static func escape(_ s: String) -> String {
        s.replacingText("&", with: "&amp;").replacingText("<", with: "&lt;")
            .replacingText(">", with: "&gt;").replacingText("\"", with: "&quot;")
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = s.replacingText("&lt;", with: "<").replacingText("&gt;", with: ">")
            .replacingText("&quot;", with: "\"").replacingText("&apos;", with: "'")
            .replacingText("&#10;", with: "\n")
        out = out.replacingText("&amp;", with: "&")
        return out
    }
}

/// How readers reach stored objects: signed links for a private bucket, else a CDN/custom
/// domain, else the store's own URL.
struct ReadLinks: Sendable {
    var privateBucket: Bool
    var ttl: Int
    var publicBaseURL: String?
}

/// A durable store over an object-storage protocol (`OSSStore`, `S3Store`): what differs is the
/// dialect; uploads, retries and verification live in `ObjectStoreClient`.
struct RemoteStore<Dialect: StoreDialect>: VideoStore {
    let client: ObjectStoreClient<Dialect>
    let links: ReadLinks
    let clock: @Sendable () -> Date

    init(dialect: Dialect, transfer: TransferSettings, links: ReadLinks, clock: @escaping @Sendable () -> Date) {
        self.client = ObjectStoreClient(dialect: dialect, transfer: transfer, clock: clock)
        self.links = links
        self.clock = clock
    }

    var name: String { client.dialect.backend }

    func store(file: String, key: String, contentType: String) throws -> StoredObject {
        try client.store(file: file, key: key, contentType: contentType, publicURL: publicURL(key:))
    }

    func delete(key: String) throws { try client.delete(key: key) }

    /// A signed GET link valid `ttl` seconds from now for a private bucket (ask again on every
    /// read), else the public base URL, else the store's own URL.
    func publicURL(key: String) -> String {
        if links.privateBucket { return client.dialect.presignedGetURL(key: key, ttl: links.ttl, date: clock()) }
        if let base = links.publicBaseURL { return joinURL(base, key) }
        return client.dialect.plainURL(key: key)
    }
}

/// `https://cdn.example.com/` + `a/b.mp4` with the key's segments encoded.
func joinURL(_ base: String, _ key: String) -> String {
    let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
    return trimmed + "/" + SigningSupport.uriEncode(key, keepSlash: true)
}
