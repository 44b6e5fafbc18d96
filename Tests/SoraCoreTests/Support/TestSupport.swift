import Foundation
@testable import SoraCore

/// A fresh spool in a temporary directory.
func tempSpool(budget: Double? = nil) throws -> Spool {
    let s = Spool(root: NSTemporaryDirectory() + "sora-test-" + UUID().uuidString, dailyBudget: budget)
    try s.prepare()
    return s
}

/// A configuration for unit tests: the built-in catalog (Sora entries usable), a fake key,
/// fast polling, local storage in a temporary folder.
func testConfig(_ spool: Spool, _ extra: [String: String] = [:]) -> Config {
    var env = ["SORA_API_KEY": "sk-test-secret", "SORA_BASE_URL": "https://gw.example/v1", "SORA_SPOOL_DIR": spool.root,
               "SORA_MEDIA_DIR": spool.root + "/../media-" + UUID().uuidString, "SORA_POLL_INTERVAL": "5",
               "SORA_POLL_SLOW_INTERVAL": "15", "SORA_DOWNLOAD_ATTEMPTS": "2", "SORA_RETRY_BASE_DELAY": "1",
               // Sign-in has its own tests (AuthTests); the others drive the API as an open one.
               "SORA_AUTH": "off"]
    for (k, v) in extra { env[k] = v }
    var c = Config.load(environment: env)
    for i in c.catalog.models.indices { c.catalog.models[i].retired = false }
    return c
}

/// Time that only moves when the code under test sleeps.
final class TestClock: @unchecked Sendable {
    // Tests drive a worker on one thread; the lock only guards against a stray reader.
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_790_000_000)
    private(set) var sleeps: [Double] = []

    var now: Date { lock.withLock { current } }
    func sleep(_ s: Double) { lock.withLock { sleeps.append(s); current = current.addingTimeInterval(s) } }
    func advance(_ s: Double) { lock.withLock { current = current.addingTimeInterval(s) } }
}

/// A scripted HTTP transport: answers requests from rules, records every request it saw.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    // Used from one test thread at a time; the lock keeps the recorded list consistent anyway.
    struct Seen { var method: String; var url: String; var authorization: String?; var headers: [(String, String)]; var body: [UInt8] }
    enum Reply {
        case answer(Int, [String: String], [UInt8])
        /// curl's failure code and message, with no answer.
        case fail(Int32, String)
        /// An answer whose body is cut after some bytes (curl 18).
        case cut(Int, [String: String], [UInt8])
    }
    private let lock = NSLock()
    private var rules: [(match: (Seen) -> Bool, replies: [Reply])] = []
    private(set) var seen: [Seen] = []
    /// Called with each request before it is answered (to look at the spool at that moment).
    var observe: (Seen) -> Void = { _ in }

    /// Answers requests that match with `replies` in turn (the last one repeats). The rule added
    /// last wins, so a test can change the script half-way, and specific rules go after general ones.
    func on(_ method: String, _ urlPart: String, _ replies: Reply...) {
        lock.withLock { rules.append(({ $0.method == method && $0.url.contains(urlPart) }, replies)) }
    }

    func requests(_ method: String, _ urlPart: String) -> [Seen] {
        lock.withLock { seen.filter { $0.method == method && $0.url.contains(urlPart) } }
    }

    static func json(_ status: Int, _ body: String, _ headers: [String: String] = [:]) -> Reply {
        var h = headers; h["content-type"] = h["content-type"] ?? "application/json"
        return .answer(status, h, Array(body.utf8))
    }

    func perform(_ request: AuthorizedRequest, handlers: HTTPHandlers) -> HTTPOutcome {
        var body: [UInt8] = []
        if case .bytes(let b) = request.http.body { body = b }
        let s = Seen(method: request.http.method, url: request.http.url, authorization: request.authorization,
                     headers: request.http.headers, body: body)
        observe(s)
        let reply: Reply? = lock.withLock {
            seen.append(s)
            guard let i = rules.lastIndex(where: { $0.match(s) }) else { return nil }
            let r = rules[i].replies[0]
            if rules[i].replies.count > 1 { rules[i].replies.removeFirst() }
            return r
        }
        switch reply {
        case nil:
            return HTTPOutcome(head: nil, curlCode: 7, errorMessage: "no rule for \(s.method) \(s.url)", abortedByCaller: false, bytesReceived: 0)
        case .fail(let code, let message)?:
            return HTTPOutcome(head: nil, curlCode: code, errorMessage: message, abortedByCaller: false, bytesReceived: 0)
        case .answer(let status, let headers, let bytes)?, .cut(let status, let headers, let bytes)?:
            var h = headers.reduce(into: [String: String]()) { $0[$1.key.lowercased()] = $1.value }
            var cut = false
            if case .cut = reply! { cut = true } else if h["content-length"] == nil { h["content-length"] = String(bytes.count) }
            if cut { h["content-length"] = String(bytes.count * 2) }
            let head = HTTPResponseHead(status: status, headers: h)
            guard handlers.head(head) else {
                return HTTPOutcome(head: head, curlCode: 23, errorMessage: "aborted", abortedByCaller: true, bytesReceived: 0)
            }
            if let fd = request.http.sinkFD {
                // As libcurl's file sink does: straight into the descriptor, within the limit.
                guard Int64(bytes.count) <= request.http.sinkLimit else {
                    return HTTPOutcome(head: head, curlCode: 23, errorMessage: "limit", abortedByCaller: false, bytesReceived: 0, sinkError: -1)
                }
                try? FileIO.writeAll(fd, bytes, path: "sink")
            } else {
                let ok = bytes.withUnsafeBytes { handlers.data($0) }
                if !ok { return HTTPOutcome(head: head, curlCode: 23, errorMessage: "aborted", abortedByCaller: true, bytesReceived: Int64(bytes.count)) }
            }
            return HTTPOutcome(head: head, curlCode: cut ? 18 : 0, errorMessage: cut ? "transfer closed with outstanding read data remaining" : "",
                               abortedByCaller: false, bytesReceived: Int64(bytes.count))
        }
    }
}

/// A tiny MP4 (an `ftyp` box, padded past the minimum video size).
let fakeMP4: [UInt8] = [0, 0, 0, 24] + Array("ftypisom".utf8) + [UInt8](repeating: 7, count: 4096)
let onePixelPNG: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]

/// A job made through the router, as the API makes it (no worker is spawned).
@discardableResult
func submit(_ router: Router, _ body: String, key: String? = nil) -> (status: Int, json: JSONValue?) {
    let r = router.handle(APIRequest(method: "POST", path: "/api/generate", contentType: "application/json",
                                     idempotencyKey: key, body: Array(body.utf8)))
    return (r.status, JSONValue.parse(r.body))
}

/// The job ids a router asked to start a worker for (its `launchWorker`).
final class Launches: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func record(_ id: String) -> Bool { lock.withLock { list.append(id) }; return true }
    var ids: [String] { lock.withLock { list } }
}

func makeRouter(_ config: Config, _ spool: Spool, transport: HTTPTransport = ScriptedTransport(), clock: TestClock? = nil) -> Router {
    let store = LocalStore(root: config.mediaDir, urlPrefix: "/media")
    if let clock { return Router(config: config, spool: spool, store: store, transport: transport, launchWorker: { _ in true }, now: { clock.now }) }
    return Router(config: config, spool: spool, store: store, transport: transport, launchWorker: { _ in true })
}

func makeWorker(_ config: Config, _ spool: Spool, _ transport: HTTPTransport, _ clock: TestClock) -> Worker {
    Worker(config: config, spool: spool, store: LocalStore(root: config.mediaDir, urlPrefix: "/media"), transport: transport,
           now: { clock.now }, sleep: { clock.sleep($0) })
}
