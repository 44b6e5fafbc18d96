#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Everything the S3 backend needs, already validated (see `StorageConfig`).
public struct S3Settings: Sendable {
    public var endpoint: StoreEndpoint
    public var bucket: String
    public var region: String
    public var accessKeyID: String
    public var secretAccessKey: String
    /// STS session token, if the credentials are temporary.
    public var sessionToken: String?
    /// `endpoint/bucket/key` (MinIO, moto, most self-hosted stores) instead of `bucket.endpoint/key`.
    public var pathStyle: Bool
    /// CDN or custom domain for public links.
    public var publicBaseURL: String?
    /// Key prefix the worker puts in front of every object key.
    public var prefix: String
    /// A private bucket gets presigned links from `publicURL(key:)`.
    public var privateBucket: Bool
    /// Lifetime of presigned links, in seconds (S3 allows at most 7 days).
    public var urlTTL: Int

    /// Creates settings; `StorageConfig` is the usual way to get them.
    public init(endpoint: StoreEndpoint, bucket: String, region: String, accessKeyID: String, secretAccessKey: String,
                sessionToken: String? = nil, pathStyle: Bool = false, publicBaseURL: String? = nil, prefix: String = "",
                privateBucket: Bool = false, urlTTL: Int = 604_800) {
        self.endpoint = endpoint; self.bucket = bucket; self.region = region; self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey; self.sessionToken = sessionToken; self.pathStyle = pathStyle
        self.publicBaseURL = publicBaseURL; self.prefix = prefix; self.privateBucket = privateBucket; self.urlTTL = urlTTL
    }
}

/// Any S3-compatible store (AWS S3, MinIO, Cloudflare R2, OSS's S3 mode) through SigV4 with
/// `UNSIGNED-PAYLOAD`, so videos stream without a hashing pass; integrity comes from
/// `Content-MD5` on every PUT and part.
typealias S3Store = RemoteStore<S3Dialect>

extension RemoteStore where Dialect == S3Dialect {
    /// Creates a store; `clock` is injectable for presigned-URL tests.
    init(settings: S3Settings, transfer: TransferSettings = TransferSettings(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(dialect: S3Dialect(settings: settings), transfer: transfer,
                  links: ReadLinks(privateBucket: settings.privateBucket, ttl: settings.urlTTL, publicBaseURL: settings.publicBaseURL),
                  clock: clock)
    }
}

struct S3Dialect: StoreDialect {
    let settings: S3Settings

    var backend: String { "s3" }
    var minimumPartSize: Int64 { 5 << 20 }
    var secret: String { settings.secretAccessKey }

    private var signer: SigV4Signer {
        SigV4Signer(accessKeyID: settings.accessKeyID, secretAccessKey: settings.secretAccessKey, region: settings.region,
                    sessionToken: settings.sessionToken)
    }

    private func hostAndPath(key: String) -> (String, String) {
        let e = settings.endpoint
        if settings.pathStyle { return (e.hostHeader(), "/\(settings.bucket)/\(key)") }
        return (e.hostHeader(host: "\(settings.bucket).\(e.host)"), "/" + key)
    }

    func address(key: String, query: [(String, String)]) -> (url: String, host: String) {
        let (host, path) = hostAndPath(key: key)
        var url = "\(settings.endpoint.scheme)://\(host)\(SigV4Signer.canonicalURI(path: path))"
        if !query.isEmpty { url += "?" + SigningSupport.queryString(query) }
        return (url, host)
    }

    func sign(_ request: StoreRequest, host: String, date: Date) -> [(String, String)] {
        let (_, path) = hostAndPath(key: request.key)
        return signer.signedHeaders(method: request.method, host: host, path: path, query: request.query,
                                    headers: request.headers, payloadHash: SigV4Signer.unsignedPayload, date: date)
    }

    func presignedGetURL(key: String, ttl: Int, date: Date) -> String {
        let (host, path) = hostAndPath(key: key)
        let query = signer.presignedQuery(method: "GET", host: host, path: path, expires: ttl, date: date)
        return address(key: key, query: query).url
    }

    func plainURL(key: String) -> String { address(key: key, query: []).url }
}
