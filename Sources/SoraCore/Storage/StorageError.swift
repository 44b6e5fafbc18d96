#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Why moving a video to durable storage failed. The description names the backend, the
/// operation and the store's own error code, and never a secret (the uploader scrubs the
/// configured secret from anything a server echoed, just in case).
public struct StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Broad cause, for deciding what to tell the user and whether a later retry may help.
    public enum Kind: String, Sendable {
        /// Reading the local file failed (missing, unreadable).
        case file
        /// No HTTP answer: connection refused, reset, timeout, DNS.
        case network
        /// The store answered with an error that retrying does not fix (403, NoSuchBucket, …).
        case rejected
        /// The store kept answering with a transient error (5xx, 429, skew) until retries ran out.
        case unavailable
        /// The upload "succeeded" but the stored object does not match (size after HEAD).
        case verification
        /// An answer we could not understand (no UploadId, malformed XML).
        case protocolViolation
    }

    public var kind: Kind
    /// `oss` or `s3`.
    public var backend: String
    /// The store operation, in the store's own words (`PutObject`, `UploadPart 3`, …).
    public var operation: String
    /// HTTP status, when there was an answer.
    public var status: Int?
    /// The store's error code (`SignatureDoesNotMatch`, `NoSuchBucket`, …), when it sent one.
    public var code: String?
    /// A human-readable detail (the store's `<Message>` or libcurl's error text).
    public var message: String
    /// The store's request id, for support tickets.
    public var requestID: String?
    /// How many attempts were made before giving up.
    public var attempts: Int

    /// Creates an error; the uploader fills it, callers usually only read it.
    public init(kind: Kind, backend: String, operation: String, status: Int? = nil, code: String? = nil,
                message: String, requestID: String? = nil, attempts: Int = 1) {
        self.kind = kind; self.backend = backend; self.operation = operation; self.status = status
        self.code = code; self.message = message; self.requestID = requestID; self.attempts = attempts
    }

    /// True for causes a later retry may fix (network, 5xx, skew), false for credentials,
    /// missing buckets and the like.
    public var isTransient: Bool { kind == .network || kind == .unavailable }

    /// The short cause, e.g. `SignatureDoesNotMatch` or `connection refused`.
    public var cause: String { code ?? (status.map { "HTTP \($0)" } ?? message) }

    public var description: String {
        var text = "\(backend) \(operation) failed"
        if attempts > 1 { text += " after \(attempts) attempts" }
        text += ": "
        switch (status, code) {
        case let (s?, c?): text += "HTTP \(s) \(c)"
        case let (s?, nil): text += "HTTP \(s)"
        case let (nil, c?): text += c
        default: text += kind.rawValue
        }
        if !message.isEmpty && message != code { text += " — \(message)" }
        if let id = requestID { text += " (request id \(id))" }
        return text
    }
}

/// Configuration problems found at start, each naming the setting (never its secret value).
public struct StorageConfigError: Error, CustomStringConvertible, Sendable, Equatable {
    /// One line per missing or invalid setting, e.g. `OSS_BUCKET is missing`.
    public var problems: [String]

    /// Wraps a list of problems.
    public init(problems: [String]) { self.problems = problems }

    public var description: String { "storage configuration: " + problems.joined(separator: "; ") }
}
