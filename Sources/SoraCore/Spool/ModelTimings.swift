#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// How long our own finished jobs took per model (submit to stored), for the page's estimate of
/// the time left. A small file of the last 20 durations per model, updated by workers.
public struct ModelTimings: Sendable {
    public let spool: Spool
    static let keep = 20

    public init(spool: Spool) { self.spool = spool }

    var path: String { spool.privateDir + "/timings.json" }

    /// Median seconds per model id, for models with at least 3 finished jobs.
    public func typicalSeconds() -> [String: Int] {
        guard let b = FileIO.read(path), let all = try? JSONDecoder().decode([String: [Double]].self, from: Data(b)) else { return [:] }
        var out: [String: Int] = [:]
        for (model, list) in all where list.count >= 3 {
            let sorted = list.sorted()
            out[model] = Int(sorted[sorted.count / 2].rounded())
        }
        return out
    }

    /// Adds one finished job's duration (derived data: a failed write is only logged).
    public func record(model: String, seconds: Double) {
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return }
        defer { flock(fd, LOCK_UN) }
        var all = FileIO.read(path).flatMap { try? JSONDecoder().decode([String: [Double]].self, from: Data($0)) } ?? [:]
        var list = all[model] ?? []
        list.append(seconds)
        if list.count > Self.keep { list.removeFirst(list.count - Self.keep) }
        all[model] = list
        if let bytes = try? JSONEncoder().encode(all) { try? FileIO.writeAtomically(bytes, to: path, mode: 0o600, durable: false) }
    }
}
