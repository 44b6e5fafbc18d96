#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The API answered in-process: the command line builds the same `APIRequest` the responder
/// would and hands it to the same `Router`, with the real spool and the real worker launcher.
/// Validation, the budget hold, the queue limit, idempotency and the detached worker are
/// therefore exactly the web's, with no second implementation.
///
/// Sign-in guards the HTTP boundary. A local caller has already passed a stronger check: it
/// could read the config file, which holds the gateway key, the admin token and the password
/// hash; asking it for a token read from that same file would prove nothing more. So the local
/// router runs with sign-in satisfied (`auth.enabled = false`, the `open` caller), and the
/// command line refuses to run locally when it cannot read the config file (see `Target`).
public struct LocalAPI: APICaller {
    public let router: Router

    public init(config: Config, launchWorker: @escaping @Sendable (String) -> Bool) {
        var local = config
        local.auth.enabled = false
        router = Router(config: local, spool: local.spool, store: local.makeStore(), launchWorker: launchWorker)
    }

    public var place: String { "local spool \(router.spool.root)" }

    public func call(_ c: APICall) -> Result<APIAnswer, APIUnreachable> {
        let request = APIRequest(method: c.method, path: c.path, query: c.query,
                                 contentType: c.body.isEmpty ? nil : "application/json",
                                 idempotencyKey: c.idempotencyKey, remoteAddress: "local", body: c.body,
                                 contentLength: c.body.count)
        let r = router.handle(request)
        var headers: [String: String] = ["content-type": r.contentType]
        for (k, v) in r.headers { headers[k.lowercased()] = v }
        return .success(APIAnswer(status: r.status, headers: headers, body: r.body))
    }

    public func statusDocument(id: String, statusURL: String) -> StatusDocument? { router.spool.readStatus(id) }

    /// A video in the local store is copied from the media folder; one in OSS/S3 is fetched from
    /// its (public or freshly signed) URL.
    public func download(url: String, videoKey: String?, to fd: Int32) -> Result<Int64, APIUnreachable> {
        if router.store is LocalStore, let key = videoKey, !key.contains("..") {
            let path = router.config.mediaDir + "/" + key
            let src = open(path, O_RDONLY | O_CLOEXEC)
            guard src >= 0 else { return .failure(APIUnreachable("cannot read \(path)")) }
            defer { close(src) }
            var total: Int64 = 0
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(src, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { return .failure(APIUnreachable("read error on \(path)")) }
                if n == 0 { break }
                do { try FileIO.writeAll(fd, Array(buffer[0..<n]), path: "output") } catch {
                    return .failure(APIUnreachable("\(error)"))
                }
                total += Int64(n)
            }
            return .success(total)
        }
        return RemoteAPI.fetchVideo(url: url, to: fd)
    }
}
