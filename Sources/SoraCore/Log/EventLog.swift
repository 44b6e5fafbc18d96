import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One JSON object per line (plan §3.4): job, event, time and plain fields. Callers never pass
/// the key, image bytes or the upstream link's query into `fields`.
public struct EventLog: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// Appends one event. O_APPEND writes of one line are atomic enough for concurrent workers.
    public func write(_ event: String, job: String?, fields: [String: any Sendable]) {
        var obj: [String: Any] = ["time": SpoolJSON.isoString(Date()), "event": event, "pid": Int(getpid())]
        if let job { obj["job"] = job }
        for (k, v) in fields { obj[k] = v }
        guard JSONSerialization.isValidJSONObject(obj),
              var line = try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        try? FileIO.writeAll(fd, [UInt8](line), path: path)
    }
}
