#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Slows password guessing per client: after `freeFailures` failed logins within `window`
/// seconds, the client waits 30 s, doubling with each further failure (at most an hour). One
/// small file per client address (hashed) under the spool's private folder, shared by every
/// responder process and updated under its lock.
public struct LoginThrottle: Sendable {
    public let dir: String
    public static let freeFailures = 5
    public static let window: Double = 900

    public init(spool: Spool) { dir = spool.privateDir + "/logins" }

    struct Record: Codable { var failures: Int; var first: Double; var lockedUntil: Double }

    func path(_ client: String) -> String { "\(dir)/\(Spool.sha256Hex(Array(client.utf8)).prefix(24))" }

    /// Seconds the client must still wait, or nil when it may try.
    public func wait(client: String, now: Date) -> Double? {
        guard let r = read(client), r.lockedUntil > now.timeIntervalSince1970 else { return nil }
        return (r.lockedUntil - now.timeIntervalSince1970).rounded(.up)
    }

    /// Records a login's outcome.
    public func record(client: String, success: Bool, now: Date) {
        try? FileIO.makeDirectory(dir, mode: 0o700)
        let fd = open(path(client) + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { return }
        defer { flock(fd, LOCK_UN) }
        let t = now.timeIntervalSince1970
        if success { unlink(path(client)); return }
        var r = read(client) ?? Record(failures: 0, first: t, lockedUntil: 0)
        if t - r.first > Self.window && r.lockedUntil < t { r = Record(failures: 0, first: t, lockedUntil: 0) }
        r.failures += 1
        if r.failures >= Self.freeFailures {
            r.lockedUntil = t + min(3600, 30 * pow(2, Double(r.failures - Self.freeFailures)))
        }
        if let bytes = try? JSONEncoder().encode(r) { try? FileIO.writeAtomically(Array(bytes), to: path(client), mode: 0o600, durable: false) }
    }

    func read(_ client: String) -> Record? {
        FileIO.read(path(client)).flatMap { try? JSONDecoder().decode(Record.self, from: Data($0)) }
    }
}
