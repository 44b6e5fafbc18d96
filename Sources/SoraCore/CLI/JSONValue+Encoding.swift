#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

extension JSONValue: Encodable {
    /// Whole numbers are written as integers (`8`, not `8.0`): bodies built from a batch line
    /// keep the line's values as the API reads them.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): if d.rounded() == d && abs(d) < 9e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }

    public init(_ scalar: JSONScalar) {
        switch scalar {
        case .int(let n): self = .number(Double(n))
        case .double(let d): self = .number(d)
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .string(s)
        }
    }

    /// Compact JSON with sorted keys: the same value always gives the same bytes.
    public func encoded() -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(self)).map(Array.init) ?? Array("null".utf8)
    }

    public var object: [String: JSONValue]? { if case .object(let o) = self { o } else { nil } }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}
