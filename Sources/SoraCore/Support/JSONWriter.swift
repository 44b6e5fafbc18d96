// A small JSON writer for request bodies and log lines built from dictionaries (`[String: Any]`),
// in place of Foundation's JSONSerialization, which FoundationEssentials does not have. Keys are
// sorted (stable bytes); slashes are not escaped, so data URIs and URLs stay readable.

public enum JSONWriter {
    /// The JSON text of `value`: String, Bool, integers, Double, arrays and `[String: Any]`
    /// dictionaries (anything else is written as `null`).
    public static func encode(_ value: Any) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    public static func string(_ value: Any) -> String { String(decoding: encode(value), as: UTF8.self) }

    static func write(_ value: Any, into out: inout [UInt8]) {
        switch value {
        case let s as String: writeString(s, into: &out)
        case let s as Substring: writeString(String(s), into: &out)
        case let b as Bool: out += Array((b ? "true" : "false").utf8)
        case let i as Int: out += Array(String(i).utf8)
        case let i as Int64: out += Array(String(i).utf8)
        case let i as Int32: out += Array(String(i).utf8)
        case let d as Double:
            if d.isFinite {
                out += Array((d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : String(d)).utf8)
            } else { out += Array("null".utf8) }
        case let a as [Any]:
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let d as [String: Any]:
            out.append(UInt8(ascii: "{"))
            for (i, key) in d.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(d[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let s as CustomStringConvertible & Sendable: writeString(s.description, into: &out)
        default: out += Array("null".utf8)
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [92, 34]
            case 92: out += [92, 92]
            case 10: out += [92, 110]
            case 13: out += [92, 114]
            case 9: out += [92, 116]
            case 0..<0x20: out += Array("\\u00".utf8) + Array(Hex.byte(b).utf8)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
