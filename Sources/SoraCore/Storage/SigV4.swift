#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// AWS Signature Version 4 for S3-compatible stores (AWS S3, MinIO, R2, OSS's S3 mode).
/// Stateless: every call takes the signing time, so tests pin it and the uploader can apply a
/// clock offset learnt from the server.
public struct SigV4Signer: Sendable {
    /// The payload-hash value that lets large bodies stream without hashing them first.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of the empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String
    public var service: String
    /// STS session token, sent (and signed) as `x-amz-security-token` when set.
    public var sessionToken: String?

    /// Creates a signer; `service` is `s3` for every store this project talks to.
    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3", sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID; self.secretAccessKey = secretAccessKey
        self.region = region; self.service = service; self.sessionToken = sessionToken
    }

    /// The derived key `kSigning` for a date stamp (`yyyymmdd`).
    public static func signingKey(secret: String, dateStamp: String, region: String, service: String) -> [UInt8] {
        let kDate = SigningSupport.hmacSHA256(key: Array(("AWS4" + secret).utf8), dateStamp)
        let kRegion = SigningSupport.hmacSHA256(key: kDate, region)
        let kService = SigningSupport.hmacSHA256(key: kRegion, service)
        return SigningSupport.hmacSHA256(key: kService, "aws4_request")
    }

    /// `/test%24file.text`: each segment encoded once, `/` kept, no normalisation (S3 rules).
    public static func canonicalURI(path: String) -> String {
        let p = path.hasPrefix("/") ? path : "/" + path
        return SigningSupport.uriEncode(p, keepSlash: true)
    }

    /// Names and values encoded, sorted by name then value, `name=` for an empty value.
    public static func canonicalQuery(_ query: [(String, String)]) -> String {
        query.map { (SigningSupport.uriEncode($0.0), SigningSupport.uriEncode($0.1)) }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// The canonical request for the given parts; `headers` are exactly the signed headers.
    public static func canonicalRequest(method: String, path: String, query: [(String, String)],
                                        headers: [(String, String)], payloadHash: String) -> (request: String, signedHeaders: String) {
        var merged: [String: String] = [:]
        for (name, value) in headers {
            let key = name.lowercased()
            let v = SigningSupport.canonicalHeaderValue(value)
            merged[key] = merged[key].map { $0 + "," + v } ?? v
        }
        let names = merged.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(merged[$0] ?? "")\n" }.joined()
        let signed = names.joined(separator: ";")
        let request = [method.uppercased(), canonicalURI(path: path), canonicalQuery(query),
                       canonicalHeaders, signed, payloadHash].joined(separator: "\n")
        return (request, signed)
    }

    func scope(_ t: UTCTimestamp) -> String { "\(t.dateStamp)/\(region)/\(service)/aws4_request" }

    func stringToSign(canonicalRequest: String, time t: UTCTimestamp) -> String {
        "AWS4-HMAC-SHA256\n\(t.basicISO8601)\n\(scope(t))\n\(SigningSupport.sha256Hex(canonicalRequest))"
    }

    func signature(stringToSign: String, time t: UTCTimestamp) -> String {
        let key = Self.signingKey(secret: secretAccessKey, dateStamp: t.dateStamp, region: region, service: service)
        return Hex.string(SigningSupport.hmacSHA256(key: key, stringToSign))
    }

    /// Signs a request in the `Authorization` header form. `headers` are the headers to sign
    /// besides the ones added here (`host`, `x-amz-date`, `x-amz-content-sha256`, token).
    /// Returns every header to send, the added ones included, in a stable order.
    public func signedHeaders(method: String, host: String, path: String, query: [(String, String)],
                              headers: [(String, String)], payloadHash: String, date: Date) -> [(String, String)] {
        let t = UTCTimestamp(date)
        var all = headers.filter { !["host", "x-amz-date", "x-amz-content-sha256", "authorization"].contains($0.0.lowercased()) }
        all.append(("x-amz-date", t.basicISO8601))
        all.append(("x-amz-content-sha256", payloadHash))
        if let token = sessionToken { all.append(("x-amz-security-token", token)) }
        let (canonical, signed) = Self.canonicalRequest(method: method, path: path, query: query,
                                                        headers: all + [("host", host)], payloadHash: payloadHash)
        let sig = signature(stringToSign: stringToSign(canonicalRequest: canonical, time: t), time: t)
        all.append(("Authorization", "AWS4-HMAC-SHA256 Credential=\(accessKeyID)/\(scope(t)), SignedHeaders=\(signed), Signature=\(sig)"))
        return all
    }

    /// The query of a presigned URL (the five `X-Amz-*` parameters, the caller's own query and
    /// `X-Amz-Signature` last). Only `host` is signed and the payload is `UNSIGNED-PAYLOAD`,
    /// so any client can follow the link.
    public func presignedQuery(method: String, host: String, path: String, query: [(String, String)] = [],
                               expires: Int, date: Date) -> [(String, String)] {
        let t = UTCTimestamp(date)
        var q = query
        q.append(("X-Amz-Algorithm", "AWS4-HMAC-SHA256"))
        q.append(("X-Amz-Credential", "\(accessKeyID)/\(scope(t))"))
        q.append(("X-Amz-Date", t.basicISO8601))
        q.append(("X-Amz-Expires", String(expires)))
        if let token = sessionToken { q.append(("X-Amz-Security-Token", token)) }
        q.append(("X-Amz-SignedHeaders", "host"))
        let (canonical, _) = Self.canonicalRequest(method: method, path: path, query: q,
                                                   headers: [("host", host)], payloadHash: Self.unsignedPayload)
        q.append(("X-Amz-Signature", signature(stringToSign: stringToSign(canonicalRequest: canonical, time: t), time: t)))
        return q
    }
}
