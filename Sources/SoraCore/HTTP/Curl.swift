import CCurl
import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A request body for `HTTPClient`: nothing, bytes in memory, or a slice of a file streamed from
/// disk (uploads of large videos never load the file into memory).
public enum HTTPBody: Sendable {
    case none
    case bytes([UInt8])
    case file(path: String, offset: Int64, length: Int64)
}

/// Everything libcurl needs for one request. Timeouts are in seconds; 0 means "no limit".
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Header lines in order (`name`, `value`); libcurl's automatic `Expect: 100-continue` is suppressed.
    public var headers: [(String, String)]
    public var body: HTTPBody
    public var connectTimeout: Int = 10
    /// Upper bound on the whole transfer.
    public var totalTimeout: Int = 0
    /// Stall detection: fail when fewer than `lowSpeedLimit` bytes/s arrive for `lowSpeedTime` s.
    public var lowSpeedLimit: Int = 0
    public var lowSpeedTime: Int = 0
    /// Write the response body straight into this file descriptor (from its current offset)
    /// instead of calling `HTTPHandlers.data`: downloads go to disk with no copy. At most
    /// `sinkLimit` bytes; the outcome says how many were written and why writing stopped.
    public var sinkFD: Int32?
    public var sinkLimit: Int64 = .max
    /// Let libcurl follow redirects. `CurlTransport` turns this off for requests that carry a key,
    /// and follows them itself so the key never reaches another origin.
    public var followRedirects = true

    public init(method: String, url: String, headers: [(String, String)] = [], body: HTTPBody = .none) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
    }
}

/// Status line and headers of a response (names lower-cased; a repeated header keeps the last value).
public struct HTTPResponseHead: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]

    public init(status: Int, headers: [String: String]) { self.status = status; self.headers = headers }

    /// The media type without parameters, lower-cased (`text/event-stream`).
    public var mediaType: String {
        (headers["content-type"] ?? "").split(separator: ";").first.map {
            $0.trimmed.lowercased()
        } ?? ""
    }
}

/// How a transfer ended. `curlCode` 0 means the body arrived completely.
public struct HTTPOutcome: Sendable {
    public var head: HTTPResponseHead?
    public var curlCode: Int32
    /// libcurl's error text (never contains request headers, so never the key).
    public var errorMessage: String
    /// True when one of our own callbacks stopped the transfer (not a network error).
    public var abortedByCaller: Bool
    public var bytesReceived: Int64
    /// With `HTTPRequest.sinkFD`: errno of a failed write, -1 when the limit was passed, 0 otherwise.
    public var sinkError: Int32 = 0

    public var status: Int { head?.status ?? 0 }
    public var completed: Bool { curlCode == 0 }
    /// The body was cut mid-transfer (`CURLE_PARTIAL_FILE` 18 or `CURLE_RECV_ERROR` 56).
    public var wasCut: Bool { curlCode == 18 || curlCode == 56 }
    /// `CURLE_OPERATION_TIMEDOUT` (28): total timeout or low-speed (stall) limit.
    public var timedOut: Bool { curlCode == 28 }
    /// `CURLE_COULDNT_CONNECT`/`RESOLVE_HOST` and similar failures before any answer.
    public var couldNotConnect: Bool { [5, 6, 7].contains(curlCode) }
    /// The TLS handshake failed (`CURLE_PEER_FAILED_VERIFICATION` 60, `SSL_CONNECT_ERROR` 35, an
    /// unreadable CA file 77, …): it comes before the request, so nothing was sent.
    public var tlsFailed: Bool { [35, 58, 59, 60, 77, 83, 90, 91].contains(curlCode) }
    /// The request never left this machine: a create that ended so can't have been billed.
    public var neverSent: Bool { couldNotConnect || tlsFailed }
}

/// Callbacks a streaming transfer drives. All run on the calling thread, inside `perform`.
public struct HTTPHandlers {
    /// Called once the status line and headers are in; return false to abort.
    public var head: (HTTPResponseHead) -> Bool = { _ in true }
    /// Called for each piece of the body; return false to abort.
    public var data: (UnsafeRawBufferPointer) -> Bool = { _ in true }
    /// Called about once a second (more often while data flows); return false to abort.
    public var tick: () -> Bool = { true }

    public init() {}
}

/// A thin, synchronous libcurl client. One `perform` per transfer, each on a fresh connection
/// closed after it; safe to use from several threads.
public enum HTTPClient {
    /// Runs `curl_global_init` once; call before starting threads (the worker calls it at start).
    public static func globalInit() { _ = globalInitOnce }
    private static let globalInitOnce: Void = {
        // Before libcurl starts OpenSSL: libcrypto's error strings (thousands, hashed into a
        // table) stay unloaded, half a MiB of every worker's memory (issue 9). libcurl's own
        // messages, certificate-check reasons and TLS (libssl) reasons keep their words; a
        // libcrypto reason shows as its code (`openssl errstr CODE` spells it out).
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS), nil)
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    /// One easy handle kept between transfers (`curl_easy_reset` clears its options), because
    /// libcurl caches the parsed CA store in it: parsing Debian's 140 certificates costs about
    /// 30 ms of CPU, which every poll over TLS paid before. A thread that finds it taken makes
    /// its own for that transfer.
    private struct Easy: @unchecked Sendable { let handle: UnsafeMutableRawPointer }
    private static let kept = Mutex<Easy?>(nil)

    /// libcurl keeps that store only when it verifies against a bundle file alone, and Debian's
    /// also names /etc/ssl/certs, a directory of the same certificates. So where the built-in
    /// bundle is readable, the directory is left out; elsewhere libcurl's defaults stay.
    private static let bundleOnly: Bool = {
        guard let easy = curl_easy_init() else { return false }
        defer { curl_easy_cleanup(easy) }
        var path: UnsafeMutablePointer<CChar>? = nil
        guard sora_curl_get_string(easy, CURLINFO_CAINFO, &path) == CURLE_OK, let path else { return false }
        return access(path, R_OK) == 0
    }()

    /// `SORA_CA_FILE`: the bundle every transfer of this process verifies against instead of the
    /// system's. Set once after the settings are read. It is process-wide, like `SSL_CERT_FILE`,
    /// because the gateway, its media links and the object store all need the same trust (and
    /// Debian's libcurl names its own bundle, so OpenSSL's variables never reach it).
    public static func trust(caFile: String?) { trustedCAFile.withLock { $0 = caFile } }
    private static let trustedCAFile = Mutex<String?>(nil)

    private static func takeHandle() -> UnsafeMutableRawPointer? {
        if let easy = kept.withLock({ slot in slot.take() }) {
            curl_easy_reset(easy.handle)
            return easy.handle
        }
        return curl_easy_init()
    }

    private static func giveBack(_ handle: UnsafeMutableRawPointer) {
        let spare = kept.withLock { slot -> Easy? in
            if slot == nil { slot = Easy(handle: handle); return nil }
            return Easy(handle: handle)
        }
        if let spare { curl_easy_cleanup(spare.handle) }
    }

    /// Performs one request, streaming the response body to `handlers.data`.
    public static func perform(_ request: HTTPRequest, handlers: HTTPHandlers) -> HTTPOutcome {
        globalInit()
        guard let easy = takeHandle() else {
            return HTTPOutcome(head: nil, curlCode: 2, errorMessage: "curl_easy_init failed", abortedByCaller: false, bytesReceived: 0)
        }
        defer { giveBack(easy) }
        let box = TransferBox(handlers: handlers, followsRedirects: request.followRedirects)
        let unmanaged = Unmanaged.passRetained(box)
        defer { unmanaged.release() }
        let ctx = unmanaged.toOpaque()

        var slist: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in request.headers { slist = curl_slist_append(slist, "\(name): \(value)") }
        slist = curl_slist_append(slist, "Expect:")
        defer { curl_slist_free_all(slist) }

        var fileHandle: UnsafeMutablePointer<FILE>? = nil
        defer { if let f = fileHandle { fclose(f) } }
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let sink = UnsafeMutablePointer<sora_fd_sink>.allocate(capacity: 1)
        sink.initialize(to: sora_fd_sink(fd: -1, limit: 0, written: 0, error: 0))
        defer { sink.deallocate() }

        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errPtr in
            sora_curl_set_string(easy, CURLOPT_URL, request.url)
            sora_curl_set_long(easy, CURLOPT_NOSIGNAL, 1)
            // A connection is never reused: libcurl resends a request whose reused connection
            // died before any answer, and a create resent that way could be paid twice.
            sora_curl_set_long(easy, CURLOPT_FRESH_CONNECT, 1)
            sora_curl_set_long(easy, CURLOPT_FORBID_REUSE, 1)
            if let ca = trustedCAFile.withLock({ $0 }) {
                sora_curl_set_string(easy, CURLOPT_CAINFO, ca)
                sora_curl_set_string(easy, CURLOPT_CAPATH, nil)
            } else if bundleOnly {
                sora_curl_set_string(easy, CURLOPT_CAPATH, nil)
            }
            sora_curl_set_long(easy, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
            sora_curl_set_long(easy, CURLOPT_MAXREDIRS, 5)
            sora_curl_set_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
            sora_curl_set_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
            sora_curl_set_long(easy, CURLOPT_CONNECTTIMEOUT, request.connectTimeout)
            sora_curl_set_long(easy, CURLOPT_TIMEOUT, request.totalTimeout)
            if request.lowSpeedLimit > 0 && request.lowSpeedTime > 0 {
                sora_curl_set_long(easy, CURLOPT_LOW_SPEED_LIMIT, request.lowSpeedLimit)
                sora_curl_set_long(easy, CURLOPT_LOW_SPEED_TIME, request.lowSpeedTime)
            }
            sora_curl_set_slist(easy, CURLOPT_HTTPHEADER, slist)
            sora_curl_set_pointer(easy, CURLOPT_ERRORBUFFER, errPtr.baseAddress)
            if let fd = request.sinkFD {
                sink.pointee = sora_fd_sink(fd: fd, limit: request.sinkLimit == .max ? Int64.max : request.sinkLimit, written: 0, error: 0)
                sora_curl_set_fd_sink(easy, sink)
                sora_curl_set_long(easy, CURLOPT_BUFFERSIZE, 512 * 1024)  // fewer, larger writes
            } else {
                sora_curl_set_data_fn(easy, CURLOPT_WRITEFUNCTION, curlWrite)
                sora_curl_set_pointer(easy, CURLOPT_WRITEDATA, ctx)
            }
            sora_curl_set_data_fn(easy, CURLOPT_HEADERFUNCTION, curlHeader)
            sora_curl_set_pointer(easy, CURLOPT_HEADERDATA, ctx)
            sora_curl_set_long(easy, CURLOPT_NOPROGRESS, 0)
            sora_curl_set_xferinfo_fn(easy, curlTick)
            sora_curl_set_pointer(easy, CURLOPT_XFERINFODATA, ctx)

            let method = request.method.uppercased()
            switch request.body {
            case .none:
                if method == "HEAD" { sora_curl_set_long(easy, CURLOPT_NOBODY, 1) }
                else if method != "GET" { sora_curl_set_string(easy, CURLOPT_CUSTOMREQUEST, method) }
                if method == "POST" || method == "PUT" {
                    sora_curl_set_long(easy, CURLOPT_POSTFIELDSIZE, 0)
                    sora_curl_set_string(easy, CURLOPT_POSTFIELDS, "")
                }
            case .bytes(let bytes):
                box.upload = bytes
                sora_curl_set_long(easy, CURLOPT_UPLOAD, 1)
                sora_curl_set_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(bytes.count))
                sora_curl_set_data_fn(easy, CURLOPT_READFUNCTION, curlReadBytes)
                sora_curl_set_pointer(easy, CURLOPT_READDATA, ctx)
                if method != "PUT" { sora_curl_set_string(easy, CURLOPT_CUSTOMREQUEST, method) }
            case .file(let path, let offset, let length):
                guard let f = fopen(path, "rb"), fseeko(f, off_t(offset), SEEK_SET) == 0 else {
                    return CURLE_READ_ERROR
                }
                fileHandle = f
                box.file = f
                box.fileRemaining = length
                sora_curl_set_long(easy, CURLOPT_UPLOAD, 1)
                sora_curl_set_off(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(length))
                sora_curl_set_data_fn(easy, CURLOPT_READFUNCTION, curlReadFile)
                sora_curl_set_pointer(easy, CURLOPT_READDATA, ctx)
                if method != "PUT" { sora_curl_set_string(easy, CURLOPT_CUSTOMREQUEST, method) }
            }
            return curl_easy_perform(easy)
        }

        var status = 0
        sora_curl_get_long(easy, CURLINFO_RESPONSE_CODE, &status)
        let head: HTTPResponseHead? = box.head ?? (status > 0 ? HTTPResponseHead(status: status, headers: box.headers) : nil)
        var message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if message.isEmpty && code != CURLE_OK { message = String(cString: curl_easy_strerror(code)) }
        let received = request.sinkFD == nil ? box.received : Int64(sink.pointee.written)
        return HTTPOutcome(head: head, curlCode: Int32(code.rawValue), errorMessage: message,
                           abortedByCaller: box.aborted, bytesReceived: received, sinkError: sink.pointee.error)
    }

    /// Performs a request and collects the body in memory, up to `limit` bytes (for small
    /// answers such as JSON or XML; larger bodies abort the transfer).
    public static func fetch(_ request: HTTPRequest, limit: Int = 1 << 20) -> (HTTPOutcome, [UInt8]) {
        var body: [UInt8] = []
        var handlers = HTTPHandlers()
        handlers.data = { chunk in
            guard body.count + chunk.count <= limit else { return false }
            body.append(contentsOf: chunk)
            return true
        }
        let outcome = perform(request, handlers: handlers)
        return (outcome, body)
    }
}

/// Per-transfer state reached from the C callbacks through an opaque pointer. Confined to the
/// thread that runs `perform`, which is why it needs no locking.
private final class TransferBox {
    let handlers: HTTPHandlers
    let followsRedirects: Bool
    var headers: [String: String] = [:]
    var head: HTTPResponseHead?
    var status = 0
    var aborted = false
    var received: Int64 = 0
    var upload: [UInt8] = []
    var uploadOffset = 0
    var file: UnsafeMutablePointer<FILE>?
    var fileRemaining: Int64 = 0

    init(handlers: HTTPHandlers, followsRedirects: Bool) { self.handlers = handlers; self.followsRedirects = followsRedirects }

    /// Header lines arrive one by one; a status line starts a new response (redirects, 100s).
    /// Returns false when the caller's `head` handler asked to abort.
    func headerLine(_ line: String) -> Bool {
        let trimmed = line.trimmed
        if trimmed.hasPrefix("HTTP/") {
            let parts = trimmed.split(separator: " ", maxSplits: 2)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = [:]
            head = nil
        } else if trimmed.isEmpty {
            // End of one header block; skip interim (1xx) blocks and redirects that are followed.
            let isRedirect = followsRedirects && (300..<400).contains(status) && headers["location"] != nil
            if status >= 200 && !isRedirect {
                let final = HTTPResponseHead(status: status, headers: headers)
                head = final
                if !handlers.head(final) { aborted = true; return false }
            }
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = trimmed[..<colon].lowercased()
            let value = trimmed[trimmed.index(after: colon)...].trimmed
            headers[name] = value
        }
        return true
    }
}

private func box(_ p: UnsafeMutableRawPointer?) -> TransferBox {
    Unmanaged<TransferBox>.fromOpaque(p!).takeUnretainedValue()
}

private let curlWrite: sora_curl_data_fn = { ptr, size, nmemb, userdata in
    let b = box(userdata)
    let count = size * nmemb
    b.received += Int64(count)
    let ok = b.handlers.data(UnsafeRawBufferPointer(start: ptr, count: count))
    if !ok { b.aborted = true; return 0 }
    return count
}

private let curlHeader: sora_curl_data_fn = { ptr, size, nmemb, userdata in
    let b = box(userdata)
    let count = size * nmemb
    let bytes = UnsafeRawBufferPointer(start: ptr, count: count)
    return b.headerLine(String(decoding: bytes, as: UTF8.self)) ? count : 0
}

private let curlTick: sora_curl_xferinfo_fn = { userdata, _, _, _, _ in
    let b = box(userdata)
    if !b.handlers.tick() { b.aborted = true; return 1 }
    return 0
}

private let curlReadBytes: sora_curl_data_fn = { ptr, size, nmemb, userdata in
    let b = box(userdata)
    let n = min(size * nmemb, b.upload.count - b.uploadOffset)
    guard n > 0, let ptr else { return 0 }
    b.upload.withUnsafeBytes { src in
        UnsafeMutableRawPointer(ptr).copyMemory(from: src.baseAddress! + b.uploadOffset, byteCount: n)
    }
    b.uploadOffset += n
    return n
}

private let curlReadFile: sora_curl_data_fn = { ptr, size, nmemb, userdata in
    let b = box(userdata)
    let want = min(Int64(size * nmemb), b.fileRemaining)
    guard want > 0, let ptr, let f = b.file else { return 0 }
    let n = fread(ptr, 1, Int(want), f)
    if n == 0 && ferror(f) != 0 { return Int(CURL_READFUNC_ABORT) }
    b.fileRemaining -= Int64(n)
    return n
}
