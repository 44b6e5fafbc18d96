import CFastCGI
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// The FastCGI accept loop, and the single-request CGI path for hosts that only run CGI
/// (nginx + fcgiwrap, Apache ScriptAlias). All policy lives in `SoraCore.Router`.
struct Responder {
    let config: Config
    let router: Router
    let spool: Spool

    init(config: Config) {
        self.config = config
        let spool = config.spool
        self.spool = spool
        var router = Router(config: config, spool: spool, store: config.makeStore(),
                            launchWorker: Spawner.workerLauncher(config: config, spool: spool))
        router.launchQueued = Spawner.pacedWorkerLauncher(config: config, spool: spool)
        self.router = router
    }

    /// Serves requests until the FastCGI socket closes, or exactly one request under CGI.
    func serve() -> Int32 {
        // Children of a process that ignores SIGCHLD are reaped by the kernel: no zombie workers.
        signal(SIGCHLD, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        try? spool.prepare()
        if FCGX_IsCGI() != 0 {
            serveCGI()
            return 0
        }
        for p in config.problems { Console.error("sora fcgi: config: \(p.setting): \(p.message)\n") }
        guard FCGX_Init() == 0 else { return 1 }
        var request = FCGX_Request()
        guard FCGX_InitRequest(&request, 0, 0) == 0 else { return 1 }
        // The change feed is written after the answer (below). Not under CGI, where the gateway
        // waits for the process to end before it finishes the answer.
        Feed.writesAfterAnswer.store(true, ordering: .relaxed)
        LibraryIndex.keepsConnection.store(true, ordering: .relaxed)
        let feed = Feed(spool: spool)
        let feedWriter = FeedWriter(feed: feed)
        defer { feedWriter?.stop() }
        while FCGX_Accept_r(&request) >= 0 {
            let env = { (name: String) -> String? in
                FCGX_GetParam(name, request.envp).map { String(cString: $0) }
            }
            let response = handle(env: env) { limit in
                Self.readBody(limit: limit) { buffer, count in
                    Int(FCGX_GetStr(buffer.assumingMemoryBound(to: CChar.self), Int32(count), request.in))
                }
            }
            let head = Self.head(response)
            head.withUnsafeBytes { _ = FCGX_PutStr($0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(head.count), request.out) }
            response.body.withUnsafeBytes { body in
                if let base = body.baseAddress { _ = FCGX_PutStr(base.assumingMemoryBound(to: CChar.self), Int32(body.count), request.out) }
            }
            FCGX_Finish_r(&request)
            if let feedWriter { feedWriter.poke() } else { feed.writePending() }
            maintenance()
        }
        return 0
    }

    func serveCGI() {
        let environment = ProcessInfo.processInfo.environment
        var consumed = 0
        let response = handle(env: { environment[$0] }) { limit in
            let body = Self.readBody(limit: limit, Self.readStandardInput)
            consumed = body.count
            return body
        }
        try? FileIO.writeAll(1, Self.head(response), path: "stdout")
        try? FileIO.writeAll(1, response.body, path: "stdout")
        // A CGI gateway writes the whole body into our stdin before it reads the answer, and
        // fcgiwrap answers 502 if we exit first. So a body refused unread (over the limit) is
        // still drained, through a small buffer, never kept.
        Self.discardInput((environment["CONTENT_LENGTH"].flatMap { Int($0) } ?? 0) - consumed)
        maintenance()
    }

    static func readStandardInput(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        while true {
            let n = Glibc.read(0, buffer, count)
            if n >= 0 || errno != EINTR { return n }
        }
    }

    /// Reads and drops up to `count` bytes of stdin.
    static func discardInput(_ count: Int) {
        guard count > 0 else { return }
        var left = count
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 65536, alignment: 1)
        defer { buffer.deallocate() }
        while left > 0 {
            let n = readStandardInput(buffer, min(left, 65536))
            if n <= 0 { return }
            left -= n
        }
    }

    /// Reads a request body of at most `limit` bytes (the checked CONTENT_LENGTH) into one array
    /// allocated once at that size: no zero-filling, no growing, no copy afterwards. `read`
    /// fills up to `count` bytes at the pointer and returns how many, 0 or less at the end.
    static func readBody(limit: Int, _ read: (UnsafeMutableRawPointer, Int) -> Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: limit) { buffer, count in
            count = 0
            guard let base = buffer.baseAddress else { return }
            while count < limit {
                let n = read(base + count, limit - count)
                if n <= 0 { break }
                count += n
            }
        }
    }

    /// Builds an `APIRequest` from CGI-style parameters, reading at most the body limit.
    func handle(env: (String) -> String?, readBody: (Int) -> [UInt8]) -> APIResponse {
        let uri = env("REQUEST_URI") ?? env("DOCUMENT_URI") ?? ((env("SCRIPT_NAME") ?? "") + (env("PATH_INFO") ?? ""))
        let pathPart = uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri
        let path = Percent.decode(pathPart)
        let length = env("CONTENT_LENGTH").flatMap { Int($0) } ?? 0
        let body = (length > 0 && length <= config.maxBodyBytes) ? readBody(length) : []
        var headers: [String: String] = [:]
        for (name, param) in [("cookie", "HTTP_COOKIE"), ("authorization", "HTTP_AUTHORIZATION"), ("origin", "HTTP_ORIGIN"),
                              ("sec-fetch-site", "HTTP_SEC_FETCH_SITE"), ("host", "HTTP_HOST")] {
            if let v = env(param) { headers[name] = v }
        }
        let request = APIRequest(method: env("REQUEST_METHOD") ?? "GET", path: path, query: env("QUERY_STRING") ?? "",
                                 contentType: env("CONTENT_TYPE"), idempotencyKey: env("HTTP_IDEMPOTENCY_KEY"),
                                 headers: headers, remoteAddress: env("REMOTE_ADDR") ?? "",
                                 isHTTPS: env("HTTPS") == "on" || env("REQUEST_SCHEME") == "https",
                                 body: body, contentLength: length)
        return router.handle(request)
    }

    /// The CGI-style response head (status line as a `Status:` header); the body follows as is.
    static func head(_ r: APIResponse) -> [UInt8] {
        var head = "Status: \(r.status) \(APIResponse.reason(r.status))\r\nContent-Type: \(r.contentType)\r\n"
        head += "Content-Length: \(r.body.count)\r\nX-Content-Type-Options: nosniff\r\n"
        if !r.headers.contains(where: { $0.0.lowercased() == "cache-control" }) { head += "Cache-Control: no-store\r\n" }
        for (k, v) in r.headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        return Array(head.utf8)
    }

    /// At most once a minute (across all responder processes, via a stamp file) start a
    /// detached `sora reap` so dead workers are noticed even when nobody runs cron.
    func maintenance() {
        let stamp = spool.root + "/.reap-stamp"
        if let m = FileIO.modified(stamp), Date().timeIntervalSince(m) < 60 { return }
        try? FileIO.writeAtomically(Array("\(Int(Date().timeIntervalSince1970))".utf8), to: stamp)
        _ = Spawner.launch(binary: config.workerBinary, arguments: ["reap"], logPath: spool.root + "/reap.log",
                           environment: Spawner.workerEnvironment(from: ProcessInfo.processInfo.environment),
                           secrets: config.environmentSecrets)
    }
}
