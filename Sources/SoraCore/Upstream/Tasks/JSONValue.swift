#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A parsed JSON answer, for reading a few fields out of a small upstream body (one poll answer
/// is a few hundred bytes). Decoded with `JSONDecoder`, which needs no ICU.
public indirect enum JSONValue: Decodable, Sendable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses `bytes`, or nil when they are not JSON.
    public static func parse(_ bytes: [UInt8]) -> JSONValue? {
        guard !bytes.isEmpty else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] } else { return nil }
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] } else { return nil }
    }

    /// Follows a dotted path (`output.video_url`, `data.0.url`).
    public func at(_ path: String) -> JSONValue? {
        var v: JSONValue? = self
        for part in path.split(separator: ".") {
            if let i = Int(part) { v = v?[i] } else { v = v?[String(part)] }
        }
        return v
    }

    /// A string, or a number written as one (ids, codes).
    public var string: String? {
        switch self {
        case .string(let s): s
        case .number(let d): d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        default: nil
        }
    }

    public var number: Double? {
        switch self {
        case .number(let d): d
        case .string(let s): Double(s)
        default: nil
        }
    }

    /// The first non-empty string among `paths`.
    public func firstString(_ paths: String...) -> String? {
        for p in paths { if let s = at(p)?.string, !s.isEmpty { return s } }
        return nil
    }
}
