#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Which backend keeps finished videos.
public enum StorageBackendKind: String, Sendable, CaseIterable {
    /// A folder served by nginx (the default; implemented by the worker's `LocalStore`).
    case local
    /// Aliyun OSS, native API and signature.
    case oss
    /// Any S3-compatible store through SigV4.
    case s3
}

/// Storage settings read from the environment (or the config file's key/value pairs).
///
/// Names: `STORAGE` = `local|oss|s3`; `OSS_ENDPOINT`, `OSS_BUCKET`, `OSS_ACCESS_KEY_ID`,
/// `OSS_ACCESS_KEY_SECRET`, `OSS_REGION`, `OSS_PUBLIC_BASE_URL`, `OSS_PREFIX`, `OSS_PRIVATE`,
/// `OSS_URL_TTL`, `OSS_SIGNATURE_VERSION`, `OSS_CNAME`, `OSS_SECURITY_TOKEN`; `S3_ENDPOINT`,
/// `S3_BUCKET`, `S3_REGION`, `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`, `S3_SESSION_TOKEN`,
/// `S3_PUBLIC_BASE_URL`, `S3_PREFIX`, `S3_PATH_STYLE`, `S3_PRIVATE`, `S3_URL_TTL`; shared
/// `STORAGE_MULTIPART_THRESHOLD`, `STORAGE_PART_SIZE` (bytes, or with K/M/G suffix),
/// `STORAGE_RETRY_ATTEMPTS`, `STORAGE_RETRY_BASE_MS`, `STORAGE_STALL_SECONDS`; and the
/// project-wide `SORA_MEDIA_PREFIX` and `SORA_DELETE_MEDIA_WITH_JOB`. Only the chosen
/// backend's settings are checked.
public struct StorageConfig: Sendable {
    public var backend: StorageBackendKind
    public var oss: OSSSettings?
    public var s3: S3Settings?
    public var transfer: TransferSettings
    /// Deleting a job from the library also deletes its stored object (`SORA_DELETE_MEDIA_WITH_JOB`, default off).
    public var deleteObjectsWithJobs: Bool

    /// The key prefix for `videoObjectKey`: `OSS_PREFIX` / `S3_PREFIX` when set, else
    /// `SORA_MEDIA_PREFIX`, else `sora`.
    public var prefix: String { oss?.prefix ?? s3?.prefix ?? localPrefix }
    var localPrefix = "sora"

    /// One line for logs and `/api/health`: backend, bucket, endpoint, link policy. No secrets.
    public var summary: String {
        let sizes = "multipart from \(Self.formatSize(transfer.multipartThreshold)) in \(Self.formatSize(transfer.partSize)) parts"
        if let o = oss {
            let links = o.privateBucket ? "signed links valid \(o.urlTTL) s" : (o.publicBaseURL.map { "public links via \($0)" } ?? "public links on the bucket host")
            return "oss bucket \(o.bucket) at \(o.endpoint.scheme)://\(o.endpoint.hostHeader()) (region \(o.region), signature V\(o.signatureVersion)), \(links), \(sizes)"
        }
        if let s = s3 {
            let links = s.privateBucket ? "presigned links valid \(s.urlTTL) s" : (s.publicBaseURL.map { "public links via \($0)" } ?? "public links on the bucket host")
            return "s3 bucket \(s.bucket) at \(s.endpoint.scheme)://\(s.endpoint.hostHeader()) (region \(s.region), \(s.pathStyle ? "path style" : "virtual host")), \(links), \(sizes)"
        }
        return "local folder"
    }

    /// Reads and validates the settings; on failure every problem is listed, each naming its
    /// setting. Secret values are never quoted.
    public static func parse(_ env: [String: String], sleep: (@Sendable (Double) -> Void)? = nil) -> Result<StorageConfig, StorageConfigError> {
        var settings = Settings(values: env)
        guard let config = parse(&settings, sleep: sleep) else {
            return .failure(StorageConfigError(problems: settings.problems.map(\.message)))
        }
        return .success(config)
    }

    /// The same from the one settings reader; problems are added to it, each naming its setting.
    public static func parse(_ reader: inout Settings, sleep: (@Sendable (Double) -> Void)? = nil) -> StorageConfig? {
        let before = reader.problems.count
        let backendText = (reader.value("STORAGE") ?? "local").lowercased()
        guard let backend = StorageBackendKind(rawValue: backendText) else {
            reader.problem("STORAGE", "STORAGE must be local, oss or s3 (got \"\(backendText)\")")
            return nil
        }
        var retry = RetryPolicy()
        if let sleep { retry.sleep = sleep }
        retry.maxAttempts = reader.integer("STORAGE_RETRY_ATTEMPTS", default: 5, range: 1...20)
        retry.baseDelay = Double(reader.integer("STORAGE_RETRY_BASE_MS", default: 500, range: 0...60_000)) / 1000
        let minimumPart: Int64 = backend == .s3 ? 5 << 20 : 100 << 10
        var transfer = TransferSettings(retry: retry)
        transfer.multipartThreshold = reader.size("STORAGE_MULTIPART_THRESHOLD", default: 64 << 20, range: 1...(5 << 30))
        transfer.partSize = reader.size("STORAGE_PART_SIZE", default: 16 << 20, range: minimumPart...(5 << 30))
        transfer.stallSeconds = reader.integer("STORAGE_STALL_SECONDS", default: 60, range: 5...3600)
        var config = StorageConfig(backend: backend, oss: nil, s3: nil, transfer: transfer,
                                   deleteObjectsWithJobs: reader.bool("SORA_DELETE_MEDIA_WITH_JOB", default: false))
        config.localPrefix = reader.value("SORA_MEDIA_PREFIX") ?? "sora"
        switch backend {
        case .local: break
        case .oss: config.oss = parseOSS(&reader)
        case .s3: config.s3 = parseS3(&reader)
        }
        return reader.problems.count == before ? config : nil
    }

    private static func parseOSS(_ r: inout Settings) -> OSSSettings? {
        let endpoint = r.endpoint("OSS_ENDPOINT")
        let bucket = r.bucket("OSS_BUCKET")
        let keyID = r.required("OSS_ACCESS_KEY_ID")
        let secret = r.requiredSecret("OSS_ACCESS_KEY_SECRET")?.reveal()
        let versionText = (r.value("OSS_SIGNATURE_VERSION") ?? "4").lowercased()
        var version = 4
        switch versionText {
        case "4", "v4": version = 4
        case "1", "v1": version = 1
        default: r.problem("OSS_SIGNATURE_VERSION", "OSS_SIGNATURE_VERSION must be 4 or 1 (got \"\(versionText)\")")
        }
        var region = r.value("OSS_REGION").map { $0.hasPrefix("oss-") ? String($0.dropFirst(4)) : $0 }
        if region == nil, let host = endpoint?.host { region = regionFromOSSHost(host) }
        if region == nil && version == 4 {
            r.problem("OSS_REGION", "OSS_REGION is missing (needed for signature V4; e.g. cn-hangzhou)")
        }
        let publicBase = r.baseURL("OSS_PUBLIC_BASE_URL")
        let privateBucket = r.bool("OSS_PRIVATE", default: false)
        let ttl = r.integer("OSS_URL_TTL", default: 604_800, range: version == 4 ? 1...604_800 : 1...(10 * 365 * 86_400))
        let cname = r.bool("OSS_CNAME", default: false)
        guard let endpoint, let bucket, let keyID, let secret else { return nil }
        return OSSSettings(endpoint: endpoint, bucket: bucket,
                           credentials: OSSCredentials(accessKeyID: keyID, accessKeySecret: secret, securityToken: r.value("OSS_SECURITY_TOKEN")),
                           region: region ?? "", signatureVersion: version, cname: cname, publicBaseURL: publicBase,
                           prefix: r.value("OSS_PREFIX") ?? r.value("SORA_MEDIA_PREFIX") ?? "sora", privateBucket: privateBucket, urlTTL: ttl)
    }

    /// `oss-cn-hangzhou.aliyuncs.com` / `oss-cn-hangzhou-internal.aliyuncs.com` → `cn-hangzhou`.
    static func regionFromOSSHost(_ host: String) -> String? {
        guard host.hasPrefix("oss-"), host.hasSuffix(".aliyuncs.com") else { return nil }
        var label = String(host.dropFirst(4).prefix { $0 != "." })
        if label.hasSuffix("-internal") { label = String(label.dropLast("-internal".count)) }
        return label.isEmpty || label == "accelerate" ? nil : label
    }

    private static func parseS3(_ r: inout Settings) -> S3Settings? {
        let region = r.value("S3_REGION") ?? "us-east-1"
        var endpoint: StoreEndpoint?
        if r.value("S3_ENDPOINT") != nil {
            endpoint = r.endpoint("S3_ENDPOINT")
        } else if r.value("S3_REGION") != nil {
            endpoint = StoreEndpoint("https://s3.\(region).amazonaws.com") // AWS itself
        } else {
            r.problem("S3_ENDPOINT", "S3_ENDPOINT is missing (or set S3_REGION for AWS S3)")
        }
        let bucket = r.bucket("S3_BUCKET")
        let keyID = r.required("S3_ACCESS_KEY_ID")
        let secret = r.requiredSecret("S3_SECRET_ACCESS_KEY")?.reveal()
        let pathStyle = r.bool("S3_PATH_STYLE", default: endpoint?.isIPOrLocalhost ?? false)
        let publicBase = r.baseURL("S3_PUBLIC_BASE_URL")
        let privateBucket = r.bool("S3_PRIVATE", default: false)
        let ttl = r.integer("S3_URL_TTL", default: 604_800, range: 1...604_800)
        guard let endpoint, let bucket, let keyID, let secret else { return nil }
        return S3Settings(endpoint: endpoint, bucket: bucket, region: region, accessKeyID: keyID, secretAccessKey: secret,
                          sessionToken: r.value("S3_SESSION_TOKEN"), pathStyle: pathStyle, publicBaseURL: publicBase,
                          prefix: r.value("S3_PREFIX") ?? r.value("SORA_MEDIA_PREFIX") ?? "sora", privateBucket: privateBucket, urlTTL: ttl)
    }

    /// The configured store, or `localFallback` for `STORAGE=local`.
    public func makeStore(localFallback: VideoStore, clock: @escaping @Sendable () -> Date = { Date() }) -> VideoStore {
        if let oss { return OSSStore(settings: oss, transfer: transfer, clock: clock) }
        if let s3 { return S3Store(settings: s3, transfer: transfer, clock: clock) }
        return localFallback
    }

    static func formatSize(_ bytes: Int64) -> String {
        if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) B"
    }
}

/// Builds the video store the settings ask for: `STORAGE=oss|s3` gives a remote store,
/// `local` (or no `STORAGE`) returns `localFallback`. Throws `StorageConfigError` listing every
/// missing or invalid setting, so the worker and `/api/health` can fail loudly at start.
public func makeVideoStore(settings: [String: String], localFallback: VideoStore) throws -> VideoStore {
    switch StorageConfig.parse(settings) {
    case .success(let config): return config.makeStore(localFallback: localFallback)
    case .failure(let error): throw error
    }
}
