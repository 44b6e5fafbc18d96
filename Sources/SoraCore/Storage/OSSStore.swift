#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Everything the OSS backend needs, already validated (see `StorageConfig`).
public struct OSSSettings: Sendable {
    public var endpoint: StoreEndpoint
    public var bucket: String
    public var credentials: OSSCredentials
    /// Region id without `oss-` (`cn-hangzhou`); used by V4 scopes.
    public var region: String
    /// 4 (default, recommended) or 1 (fallback).
    public var signatureVersion: Int
    /// The endpoint is a custom domain bound to the bucket (`Host` is the endpoint itself).
    public var cname: Bool
    /// CDN or custom domain for public links, e.g. `https://cdn.example.com`.
    public var publicBaseURL: String?
    /// Key prefix the worker puts in front of every object key.
    public var prefix: String
    /// A private bucket gets signed links from `publicURL(key:)` instead of plain ones.
    public var privateBucket: Bool
    /// Lifetime of signed links, in seconds.
    public var urlTTL: Int

    /// Creates settings; `StorageConfig` is the usual way to get them.
    public init(endpoint: StoreEndpoint, bucket: String, credentials: OSSCredentials, region: String, signatureVersion: Int = 4,
                cname: Bool = false, publicBaseURL: String? = nil, prefix: String = "", privateBucket: Bool = false, urlTTL: Int = 604_800) {
        self.endpoint = endpoint; self.bucket = bucket; self.credentials = credentials; self.region = region
        self.signatureVersion = signatureVersion; self.cname = cname; self.publicBaseURL = publicBaseURL
        self.prefix = prefix; self.privateBucket = privateBucket; self.urlTTL = urlTTL
    }
}

/// Aliyun OSS through its native REST API and signature (V4, or V1 as a fallback).
/// Virtual-hosted addressing, as OSS requires; path style only for IP/localhost endpoints
/// (test doubles), a bound custom domain with `cname`.
typealias OSSStore = RemoteStore<OSSDialect>

extension RemoteStore where Dialect == OSSDialect {
    /// Creates a store; `clock` is injectable for signed-URL tests.
    init(settings: OSSSettings, transfer: TransferSettings = TransferSettings(), clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(dialect: OSSDialect(settings: settings), transfer: transfer,
                  links: ReadLinks(privateBucket: settings.privateBucket, ttl: settings.urlTTL, publicBaseURL: settings.publicBaseURL),
                  clock: clock)
    }
}

struct OSSDialect: StoreDialect {
    let settings: OSSSettings

    var backend: String { "oss" }
    var minimumPartSize: Int64 { 100 << 10 }
    var secret: String { settings.credentials.accessKeySecret }

    private var pathStyle: Bool { !settings.cname && settings.endpoint.isIPOrLocalhost }

    private func hostAndPath(key: String) -> (String, String) {
        let e = settings.endpoint
        if settings.cname { return (e.hostHeader(), "/" + key) }
        if pathStyle { return (e.hostHeader(), "/\(settings.bucket)/\(key)") }
        return (e.hostHeader(host: "\(settings.bucket).\(e.host)"), "/" + key)
    }

    func address(key: String, query: [(String, String)]) -> (url: String, host: String) {
        let (host, path) = hostAndPath(key: key)
        var url = "\(settings.endpoint.scheme)://\(host)\(SigningSupport.uriEncode(path, keepSlash: true))"
        if !query.isEmpty { url += "?" + SigningSupport.queryString(query) }
        return (url, host)
    }

    func sign(_ request: StoreRequest, host: String, date: Date) -> [(String, String)] {
        if settings.signatureVersion == 1 {
            return OSSV1Signer(credentials: settings.credentials).signedHeaders(
                method: request.method, bucket: settings.bucket, key: request.key, query: request.query,
                headers: request.headers, date: date)
        }
        return OSSV4Signer(credentials: settings.credentials, region: settings.region).signedHeaders(
            method: request.method, bucket: settings.bucket, key: request.key, query: request.query,
            headers: request.headers, date: date)
    }

    func presignedGetURL(key: String, ttl: Int, date: Date) -> String {
        let query: [(String, String)]
        if settings.signatureVersion == 1 {
            query = OSSV1Signer(credentials: settings.credentials).presignedQuery(
                method: "GET", bucket: settings.bucket, key: key, expiresAt: UTCTimestamp(date).unixSeconds + Int64(ttl))
        } else {
            query = OSSV4Signer(credentials: settings.credentials, region: settings.region).presignedQuery(
                method: "GET", bucket: settings.bucket, key: key, expires: ttl, date: date)
        }
        // Signed links always point at the bucket itself: a CDN in front of a private bucket
        // has its own authentication scheme.
        return address(key: key, query: query).url
    }

    func plainURL(key: String) -> String { address(key: key, query: []).url }
}
