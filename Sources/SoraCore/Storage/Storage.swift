#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Where finished videos are kept for good. The worker downloads the short-lived upstream
/// video to a temp file, then hands it to a store; the store returns the permanent URL.
public protocol VideoStore: Sendable {
    /// A short name for logs and `/api/health` (`local`, `oss`, `s3`).
    var name: String { get }
    /// Stores the file under `key` (e.g. `sora/2026/11/25/sora-v2-portrait/<job>.mp4`) and
    /// returns what was stored. Must leave nothing half-written under `key` on failure.
    func store(file: String, key: String, contentType: String) throws -> StoredObject
    /// Removes a stored object (used when a job is deleted from the library, if enabled).
    func delete(key: String) throws
    /// The URL a reader should use now (a fresh signed URL for private buckets).
    func publicURL(key: String) -> String
    /// Where a download for `key` should be written so that `adopt` keeps it without a copy (the
    /// local store: a hidden file beside the final one, on the same filesystem), or nil: download
    /// into the spool, then `store` uploads it.
    func stagingPath(forKey key: String) -> String?
    /// Keeps a complete, fsynced file written at `stagingPath(forKey:)` under `key`.
    func adopt(file: String, key: String, contentType: String) throws -> StoredObject
}

extension VideoStore {
    public func stagingPath(forKey key: String) -> String? { nil }
    public func adopt(file: String, key: String, contentType: String) throws -> StoredObject {
        try store(file: file, key: key, contentType: contentType)
    }
}

/// The result of a successful store.
public struct StoredObject: Sendable, Equatable {
    public var key: String
    public var url: String
    public var size: Int64

    public init(key: String, url: String, size: Int64) { self.key = key; self.url = url; self.size = size }
}

/// Builds the object key the plan asks for: date and model in the path, job id in the name.
public func videoObjectKey(prefix: String, jobID: String, model: String, date: Date) -> String {
    // UTC day from the ISO form ("2026-11-25T…") — no Calendar, which would pull in ICU.
    let day = SpoolJSON.isoString(date).prefix(10).replacing("-", with: "/")
    let trimmed = String(prefix.drop { $0 == "/" }.reversed().drop { $0 == "/" }.reversed())
    let head = trimmed.isEmpty ? "" : trimmed + "/"
    return "\(head)\(day)/\(model)/\(jobID).mp4"
}
