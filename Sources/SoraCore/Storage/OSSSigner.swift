#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Aliyun OSS credentials. The secret never leaves the signers: errors and logs name the key id
/// at most.
public struct OSSCredentials: Sendable {
    public var accessKeyID: String
    public var accessKeySecret: String
    /// STS token; signed as `x-oss-security-token` (header) or `security-token` (V1 URL).
    public var securityToken: String?

    public init(accessKeyID: String, accessKeySecret: String, securityToken: String? = nil) {
        self.accessKeyID = accessKeyID; self.accessKeySecret = accessKeySecret; self.securityToken = securityToken
    }
}

/// OSS signature V4 (`OSS4-HMAC-SHA256`), the version Aliyun recommends. The canonical request
/// signs `/bucket/key`, every query parameter, the `x-oss-*`, `content-type` and `content-md5`
/// headers plus any listed additional ones, with an unsigned payload.
public struct OSSV4Signer: Sendable {
    public var credentials: OSSCredentials
    /// Region id without the `oss-` prefix (`cn-hangzhou`).
    public var region: String

    /// Creates a signer for one region.
    public init(credentials: OSSCredentials, region: String) { self.credentials = credentials; self.region = region }

    /// `aliyun_v4`-rooted key chain: date stamp, region, `oss`, `aliyun_v4_request`.
    public static func signingKey(secret: String, dateStamp: String, region: String) -> [UInt8] {
        let kDate = SigningSupport.hmacSHA256(key: Array(("aliyun_v4" + secret).utf8), dateStamp)
        let kRegion = SigningSupport.hmacSHA256(key: kDate, region)
        let kProduct = SigningSupport.hmacSHA256(key: kRegion, "oss")
        return SigningSupport.hmacSHA256(key: kProduct, "aliyun_v4_request")
    }

    /// `/bucket/key` encoded with `/` kept; `/bucket/` for bucket requests, `/` for the service.
    public static func canonicalURI(bucket: String, key: String) -> String {
        if bucket.isEmpty { return "/" }
        return SigningSupport.uriEncode("/" + bucket + "/" + key, keepSlash: true)
    }

    /// Every parameter, encoded, sorted by encoded name; an empty value gives the bare name.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (SigningSupport.uriEncode($0.0), SigningSupport.uriEncode($0.1)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { $0.1.isEmpty ? $0.0 : "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    private static func isDefaultSigned(_ lowerName: String) -> Bool {
        lowerName.hasPrefix("x-oss-") || lowerName == "content-type" || lowerName == "content-md5"
    }

    /// The sorted, de-duplicated additional header names that are actually present.
    static func additionalHeaderNames(_ names: [String], present headers: [(String, String)]) -> [String] {
        let present = Set(headers.map { $0.0.lowercased() })
        let wanted = Set(names.map { $0.lowercased() }.filter { !$0.isEmpty && !isDefaultSigned($0) && present.contains($0) })
        return wanted.sorted()
    }

    /// The canonical request (exposed for step-by-step tests against the reference's values).
    public static func canonicalRequest(method: String, bucket: String, key: String, query: [(String, String)],
                                        headers: [(String, String)], additionalHeaders: [String]) -> String {
        let extra = additionalHeaderNames(additionalHeaders, present: headers)
        var merged: [String: String] = [:]
        for (name, value) in headers {
            let lower = name.lowercased()
            guard isDefaultSigned(lower) || extra.contains(lower) else { continue }
            merged[lower] = value.trimmed
        }
        let canonicalHeaders = merged.keys.sorted().map { "\($0):\(merged[$0] ?? "")\n" }.joined()
        return [method.uppercased(), canonicalURI(bucket: bucket, key: key), canonicalQuery(query),
                canonicalHeaders, extra.joined(separator: ";"), "UNSIGNED-PAYLOAD"].joined(separator: "\n")
    }

    func scope(_ t: UTCTimestamp) -> String { "\(t.dateStamp)/\(region)/oss/aliyun_v4_request" }

    func signature(canonicalRequest: String, time t: UTCTimestamp) -> String {
        let toSign = "OSS4-HMAC-SHA256\n\(t.basicISO8601)\n\(scope(t))\n\(SigningSupport.sha256Hex(canonicalRequest))"
        let key = Self.signingKey(secret: credentials.accessKeySecret, dateStamp: t.dateStamp, region: region)
        return Hex.string(SigningSupport.hmacSHA256(key: key, toSign))
    }

    /// Header form: returns `headers` plus `x-oss-date`, `x-oss-content-sha256`, the STS token,
    /// an unsigned `Date` and `Authorization`.
    public func signedHeaders(method: String, bucket: String, key: String, query: [(String, String)],
                              headers: [(String, String)], additionalHeaders: [String] = [], date: Date) -> [(String, String)] {
        let t = UTCTimestamp(date)
        var all = headers.filter { !["x-oss-date", "authorization", "date"].contains($0.0.lowercased()) }
        all.append(("x-oss-date", t.basicISO8601))
        if !all.contains(where: { $0.0.lowercased() == "x-oss-content-sha256" }) {
            all.append(("x-oss-content-sha256", "UNSIGNED-PAYLOAD"))
        }
        if let token = credentials.securityToken { all.append(("x-oss-security-token", token)) }
        let canonical = Self.canonicalRequest(method: method, bucket: bucket, key: key, query: query,
                                              headers: all, additionalHeaders: additionalHeaders)
        let extra = Self.additionalHeaderNames(additionalHeaders, present: all)
        var auth = "OSS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(t))"
        if !extra.isEmpty { auth += ",AdditionalHeaders=" + extra.joined(separator: ";") }
        auth += ",Signature=" + signature(canonicalRequest: canonical, time: t)
        all.append(("Date", t.rfc1123))
        all.append(("Authorization", auth))
        return all
    }

    /// Query form (signed URL): the caller's query plus the `x-oss-*` signing parameters, then
    /// `x-oss-signature`. `expires` is relative to `date`, in seconds. Any `headers` given must
    /// be sent with the request (for a plain GET link, pass none).
    public func presignedQuery(method: String, bucket: String, key: String, query: [(String, String)] = [],
                               headers: [(String, String)] = [], additionalHeaders: [String] = [],
                               expires: Int, date: Date) -> [(String, String)] {
        let t = UTCTimestamp(date)
        var q = query
        q.append(("x-oss-signature-version", "OSS4-HMAC-SHA256"))
        q.append(("x-oss-credential", "\(credentials.accessKeyID)/\(scope(t))"))
        q.append(("x-oss-date", t.basicISO8601))
        q.append(("x-oss-expires", String(expires)))
        let extra = Self.additionalHeaderNames(additionalHeaders, present: headers)
        if !extra.isEmpty { q.append(("x-oss-additional-headers", extra.joined(separator: ";"))) }
        if let token = credentials.securityToken { q.append(("x-oss-security-token", token)) }
        let canonical = Self.canonicalRequest(method: method, bucket: bucket, key: key, query: q,
                                              headers: headers, additionalHeaders: additionalHeaders)
        q.append(("x-oss-signature", signature(canonicalRequest: canonical, time: t)))
        return q
    }
}

/// OSS signature V1 (`Authorization: OSS id:signature`, HMAC-SHA1). Still accepted but being
/// retired; kept as a fallback for endpoints or tools that lack V4.
public struct OSSV1Signer: Sendable {
    public var credentials: OSSCredentials

    /// Creates a signer.
    public init(credentials: OSSCredentials) { self.credentials = credentials }

    /// Query parameters that take part in the V1 canonical resource; the rest are ignored.
    public static let subResources: Set<String> = [
        "acl", "uploads", "uploadId", "partNumber", "append", "position", "delete", "tagging",
        "objectMeta", "versionId", "versioning", "versions", "restore", "symlink", "security-token",
        "callback", "callback-var", "continuation-token", "location", "stat", "bucketInfo",
        "resourceGroup", "sequential", "response-content-type", "response-content-language",
        "response-expires", "response-cache-control", "response-content-disposition",
        "response-content-encoding",
    ]

    /// `/bucket/key?sub&name=value` with the raw (not encoded) key and sorted sub-resources.
    public static func canonicalResource(bucket: String, key: String, query: [(String, String)]) -> String {
        var resource = bucket.isEmpty ? "/" : "/\(bucket)/\(key)"
        let subs = query.filter { subResources.contains($0.0) }.sorted { $0.0 < $1.0 }
        if !subs.isEmpty {
            resource += "?" + subs.map { $0.1.isEmpty ? $0.0 : "\($0.0)=\($0.1)" }.joined(separator: "&")
        }
        return resource
    }

    /// VERB, Content-MD5, Content-Type, date slot, `x-oss-*` headers, resource.
    public static func stringToSign(method: String, headers: [(String, String)], dateSlot: String,
                                    bucket: String, key: String, query: [(String, String)]) -> String {
        func header(_ name: String) -> String {
            headers.last { $0.0.lowercased() == name }.map { $0.1.trimmed } ?? ""
        }
        var oss: [String: String] = [:]
        for (name, value) in headers where name.lowercased().hasPrefix("x-oss-") {
            oss[name.lowercased()] = value.trimmed
        }
        let canonicalHeaders = oss.keys.sorted().map { "\($0):\(oss[$0] ?? "")\n" }.joined()
        return method.uppercased() + "\n" + header("content-md5") + "\n" + header("content-type") + "\n"
            + dateSlot + "\n" + canonicalHeaders + canonicalResource(bucket: bucket, key: key, query: query)
    }

    /// Header form: returns `headers` plus `Date`, the STS token and `Authorization`. An
    /// `x-oss-date` header, when the caller set one, fills the date slot (as the SDKs do).
    public func signedHeaders(method: String, bucket: String, key: String, query: [(String, String)],
                              headers: [(String, String)], date: Date) -> [(String, String)] {
        var all = headers.filter { !["date", "authorization"].contains($0.0.lowercased()) }
        all.append(("Date", UTCTimestamp(date).rfc1123))
        if let token = credentials.securityToken { all.append(("x-oss-security-token", token)) }
        let slot = all.last { $0.0.lowercased() == "x-oss-date" }?.1 ?? UTCTimestamp(date).rfc1123
        let toSign = Self.stringToSign(method: method, headers: all, dateSlot: slot, bucket: bucket, key: key, query: query)
        all.append(("Authorization", "OSS \(credentials.accessKeyID):\(SigningSupport.hmacSHA1Base64(key: credentials.accessKeySecret, toSign))"))
        return all
    }

    /// Query form: `OSSAccessKeyId`, `Expires` (absolute unix time), `Signature` (raw Base64;
    /// the URL builder percent-encodes it), plus `security-token` with STS.
    public func presignedQuery(method: String, bucket: String, key: String, query: [(String, String)] = [],
                               expiresAt: Int64) -> [(String, String)] {
        var q = query
        if let token = credentials.securityToken { q.append(("security-token", token)) }
        let toSign = Self.stringToSign(method: method, headers: [], dateSlot: String(expiresAt), bucket: bucket, key: key, query: q)
        q.append(("OSSAccessKeyId", credentials.accessKeyID))
        q.append(("Expires", String(expiresAt)))
        q.append(("Signature", SigningSupport.hmacSHA1Base64(key: credentials.accessKeySecret, toSign)))
        return q
    }
}
