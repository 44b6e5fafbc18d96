#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line (plan §3.4): job, event, time and plain fields. Callers never pass
/// the key, image bytes or the upstream link's query into `fields`.
public struct EventLog: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Appends one event as one line with a single `write(2)` on an `O_APPEND` descriptor.
    /// Linux holds the file's lock for the whole of such a write, so lines from concurrent
    /// workers, responders and reapers never interleave. There is deliberately no loop for short
    /// writes: a second write could land after another process's line and tear both (a short
    /// write to a regular file means the disk is full; the event is then lost, never mixed).
    public func write(_ event: String, job: String?, fields: [String: any Sendable]) {
        var obj: [String: Any] = ["time": SpoolJSON.isoString(Date()), "event": event, "pid": Int(getpid())]
        if let job { obj["job"] = job }
        for (k, v) in fields { obj[k] = v }
        var line = JSONWriter.encode(obj)
        line.append(0x0A)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        line.withUnsafeBytes { bytes in
            // EINTR means nothing was written, so trying again cannot tear a line.
            while Glibc.write(fd, bytes.baseAddress!, bytes.count) < 0 && errno == EINTR {}
        }
    }
}
