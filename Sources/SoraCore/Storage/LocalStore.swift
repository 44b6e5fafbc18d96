#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The embedded default store: a folder that nginx serves read-only (at `/media/`).
public struct LocalStore: VideoStore {
    public let root: String
    /// URL prefix of `root`, e.g. `/media` or `https://example.com/media`.
    public let urlPrefix: String

    public init(root: String, urlPrefix: String) { self.root = root; self.urlPrefix = urlPrefix }

    public var name: String { "local" }

    public func store(file: String, key: String, contentType: String) throws -> StoredObject {
        let target = "\(root)/\(key)"
        let dir = Path.directory(target)
        try FileIO.makeDirectory(dir)
        // Copy to a temp name beside the target, then rename: a half-copied video never appears.
        let tmp = "\(dir)/.\(Path.lastComponent(key)).\(getpid()).tmp"
        FileIO.remove(tmp)
        do {
            try FileManager.default.copyItem(atPath: file, toPath: tmp)
            chmod(tmp, 0o644)
            let fd = open(tmp, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { fsync(fd); close(fd) }
            guard rename(tmp, target) == 0 else { throw FileIO.Failure("cannot rename onto", target) }
            FileIO.syncDirectory(dir)
        } catch {
            FileIO.remove(tmp)
            throw error
        }
        return StoredObject(key: key, url: publicURL(key: key), size: FileIO.size(target) ?? 0)
    }

    /// A dot-file beside the final one (nginx serves no dot-files), so the finished download
    /// becomes the stored video by a rename: written once, fsynced once.
    public func stagingPath(forKey key: String) -> String? {
        let target = "\(root)/\(key)"
        let dir = Path.directory(target)
        return "\(dir)/.\(Path.lastComponent(key)).part"
    }

    public func adopt(file: String, key: String, contentType: String) throws -> StoredObject {
        let target = "\(root)/\(key)"
        chmod(file, 0o644)
        guard rename(file, target) == 0 else { throw FileIO.Failure("cannot rename onto", target) }
        FileIO.syncDirectory(Path.directory(target))
        return StoredObject(key: key, url: publicURL(key: key), size: FileIO.size(target) ?? 0)
    }

    public func delete(key: String) throws {
        guard !key.contains("..") else { return }
        FileIO.remove("\(root)/\(key)")
    }

    public func publicURL(key: String) -> String { "\(urlPrefix)/\(key)" }
}
