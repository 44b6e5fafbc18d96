#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Small encoding helpers for task requests.
enum TaskJSON {
    /// A request body. Keys sorted for stable bytes; slashes unescaped (data URIs stay readable).
    static func encode(_ object: [String: Any]) -> [UInt8] {
        JSONWriter.encode(object)
    }

    /// A task id as one path segment (gateway ids may contain `:` or `/`).
    static func pathSegment(_ id: String) -> String { Percent.encode(id) }
}

/// A `multipart/form-data` body built in memory (a first frame is at most a few MB).
struct Multipart {
    let boundary = "sora-fcgi-" + String(UInt64.random(in: 1...UInt64.max), radix: 36)
    private var bytes: [UInt8] = []

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }

    mutating func add(name: String, value: String) {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }

    mutating func add(name: String, filename: String, mime: String, bytes file: [UInt8]) {
        bytes += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(filename)\"\r\nContent-Type: \(mime)\r\n\r\n".utf8)
        bytes += file
        bytes += Array("\r\n".utf8)
    }

    mutating func finish() -> [UInt8] {
        bytes += Array("--\(boundary)--\r\n".utf8)
        return bytes
    }
}
