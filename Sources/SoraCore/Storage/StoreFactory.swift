#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension Config {
    /// The store chosen by `STORAGE`: `local` (default; `SORA_MEDIA_DIR` served at
    /// `SORA_MEDIA_URL_PREFIX`), `oss` or `s3`. With invalid storage settings every store call
    /// fails with the configuration problems, rather than silently keeping videos elsewhere.
    public func makeStore() -> VideoStore {
        let local = LocalStore(root: mediaDir, urlPrefix: publicBaseURL + mediaURLPrefix)
        guard let storage else {
            return MisconfiguredStore(problems: problems.filter { !$0.setting.hasPrefix("SORA_") }.map(\.message))
        }
        return storage.makeStore(localFallback: local)
    }

    /// Whether stored videos are only reachable through signed URLs (which expire).
    public var storageIsPrivate: Bool { storage?.oss?.privateBucket == true || storage?.s3?.privateBucket == true }

    /// First path segment of stored keys (`OSS_PREFIX`/`S3_PREFIX`/`SORA_MEDIA_PREFIX`, default `sora`).
    public var storagePrefix: String { storage?.prefix ?? settings["SORA_MEDIA_PREFIX"] ?? "sora" }
}

/// Stands in for a store whose settings are invalid: refuses every operation with the reason.
struct MisconfiguredStore: VideoStore {
    let problems: [String]
    var name: String { "misconfigured" }
    func store(file: String, key: String, contentType: String) throws -> StoredObject { throw StorageConfigError(problems: problems) }
    func delete(key: String) throws { throw StorageConfigError(problems: problems) }
    func publicURL(key: String) -> String { "" }
}
