import Foundation

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
        var reader = SettingsReader(env: env)
        let backendText = (reader.value("STORAGE") ?? "local").lowercased()
        guard let backend = StorageBackendKind(rawValue: backendText) else {
            return .failure(StorageConfigError(problems: ["STORAGE must be local, oss or s3 (got \"\(backendText)\")"]))
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
        return reader.problems.isEmpty ? .success(config) : .failure(StorageConfigError(problems: reader.problems))
    }

    private static func parseOSS(_ r: inout SettingsReader) -> OSSSettings? {
        let endpoint = r.endpoint("OSS_ENDPOINT")
        let bucket = r.bucket("OSS_BUCKET")
        let keyID = r.required("OSS_ACCESS_KEY_ID")
        let secret = r.required("OSS_ACCESS_KEY_SECRET")
        let versionText = (r.value("OSS_SIGNATURE_VERSION") ?? "4").lowercased()
        var version = 4
        switch versionText {
        case "4", "v4": version = 4
        case "1", "v1": version = 1
        default: r.problems.append("OSS_SIGNATURE_VERSION must be 4 or 1 (got \"\(versionText)\")")
        }
        var region = r.value("OSS_REGION").map { $0.hasPrefix("oss-") ? String($0.dropFirst(4)) : $0 }
        if region == nil, let host = endpoint?.host { region = regionFromOSSHost(host) }
        if region == nil && version == 4 {
            r.problems.append("OSS_REGION is missing (needed for signature V4; e.g. cn-hangzhou)")
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

    private static func parseS3(_ r: inout SettingsReader) -> S3Settings? {
        let region = r.value("S3_REGION") ?? "us-east-1"
        var endpoint: StoreEndpoint?
        if r.value("S3_ENDPOINT") != nil {
            endpoint = r.endpoint("S3_ENDPOINT")
        } else if r.value("S3_REGION") != nil {
            endpoint = StoreEndpoint("https://s3.\(region).amazonaws.com") // AWS itself
        } else {
            r.problems.append("S3_ENDPOINT is missing (or set S3_REGION for AWS S3)")
        }
        let bucket = r.bucket("S3_BUCKET")
        let keyID = r.required("S3_ACCESS_KEY_ID")
        let secret = r.required("S3_SECRET_ACCESS_KEY")
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

/// Reads typed values and collects problems instead of stopping at the first one.
struct SettingsReader {
    let env: [String: String]
    var problems: [String] = []

    /// The trimmed value; an empty value counts as unset.
    func value(_ name: String) -> String? {
        guard let v = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
        return v
    }

    mutating func required(_ name: String) -> String? {
        guard let v = value(name) else { problems.append("\(name) is missing"); return nil }
        return v
    }

    mutating func endpoint(_ name: String) -> StoreEndpoint? {
        guard let text = required(name) else { return nil }
        guard let e = StoreEndpoint(text) else {
            problems.append("\(name) must be an http(s) host, e.g. https://oss-cn-hangzhou.aliyuncs.com (got \"\(text)\")")
            return nil
        }
        return e
    }

    /// Bucket names: 3–63 characters of lower-case letters, digits and hyphens (OSS's rule,
    /// also valid on S3), not starting or ending with a hyphen.
    mutating func bucket(_ name: String) -> String? {
        guard let b = required(name) else { return nil }
        let allowed = b.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
        guard (3...63).contains(b.count), allowed, !b.hasPrefix("-"), !b.hasSuffix("-") else {
            problems.append("\(name) is not a valid bucket name (3-63 lower-case letters, digits, hyphens; got \"\(b)\")")
            return nil
        }
        return b
    }

    mutating func baseURL(_ name: String) -> String? {
        guard let text = value(name) else { return nil }
        let lower = text.lowercased()
        guard (lower.hasPrefix("https://") || lower.hasPrefix("http://")), !text.contains(" "), !text.contains("?") else {
            problems.append("\(name) must be an http(s) URL such as https://cdn.example.com (got \"\(text)\")")
            return nil
        }
        return text
    }

    mutating func bool(_ name: String, default fallback: Bool) -> Bool {
        guard let text = value(name)?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problems.append("\(name) must be true or false (got \"\(text)\")")
            return fallback
        }
    }

    mutating func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let text = value(name) else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            problems.append("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
            return fallback
        }
        return n
    }

    /// Bytes, or a number with K, M or G (binary units; a trailing `B`/`iB` is allowed).
    mutating func size(_ name: String, default fallback: Int64, range: ClosedRange<Int64>) -> Int64 {
        guard let text = value(name) else { return fallback }
        guard let n = Self.parseSize(text), range.contains(n) else {
            problems.append("\(name) must be a size from \(StorageConfig.formatSize(range.lowerBound)) to \(StorageConfig.formatSize(range.upperBound)), e.g. 64M (got \"\(text)\")")
            return fallback
        }
        return n
    }

    static func parseSize(_ text: String) -> Int64? {
        var t = text.uppercased().replacingOccurrences(of: " ", with: "")
        if t.hasSuffix("IB") { t.removeLast(2) } else if t.hasSuffix("B") { t.removeLast() }
        var shift: Int64 = 0
        switch t.last {
        case "K": shift = 10
        case "M": shift = 20
        case "G": shift = 30
        default: break
        }
        if shift > 0 { t.removeLast() }
        guard let n = Int64(t), n >= 0, n <= (Int64.max >> shift) else { return nil }
        return n << shift
    }
}
