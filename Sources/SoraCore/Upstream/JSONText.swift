/// Decoding of JSON string contents (`JSONStringRef`) to UTF-8 bytes.
///
/// Escapes are undone byte-for-byte (`\u0026` → `&`, `\/` → `/`, `\u003e` → `>`), surrogate pairs
/// are joined, and raw UTF-8 is copied unchanged. A high surrogate that ends a string is handed
/// back in `pendingHighSurrogate`, so a pair split across two chunks of the same channel still
/// joins; any surrogate left without its partner becomes U+FFFD.
enum JSONText {
    /// The value of four hex digits at `i`, or nil.
    @inline(__always) static func hex4(_ bytes: Bytes, at i: Int) -> UInt16? {
        guard i + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for k in 0..<4 {
            let b = bytes[i + k]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Appends the decoded bytes of `ref` (positions in `bytes`) to `out`.
    static func decode(_ bytes: Bytes, _ ref: JSONStringRef, into out: inout [UInt8], pendingHighSurrogate: inout UInt16?) {
        let end = ref.range.upperBound
        var i = ref.range.lowerBound
        if !ref.hasEscapes {
            if i < end { flush(&pendingHighSurrogate, into: &out) }
            out.append(contentsOf: bytes.view(ref.range))
            return
        }
        while i < end {
            var j = i
            while j < end, bytes[j] != UInt8(ascii: "\\") { j += 1 }
            if j > i {
                flush(&pendingHighSurrogate, into: &out)
                out.append(contentsOf: bytes.view(i..<j))
            }
            if j >= end { break }
            let escape = bytes[j + 1]  // the cursor validated every escape
            i = j + 2
            if escape == UInt8(ascii: "u") {
                let unit = hex4(bytes, at: j + 2) ?? 0xFFFD
                i = j + 6
                switch unit {
                case 0xD800...0xDBFF:
                    flush(&pendingHighSurrogate, into: &out)
                    pendingHighSurrogate = unit
                case 0xDC00...0xDFFF:
                    if let high = pendingHighSurrogate {
                        pendingHighSurrogate = nil
                        let value = 0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(unit - 0xDC00)
                        appendUTF8(value, to: &out)
                    } else {
                        appendUTF8(0xFFFD, to: &out)
                    }
                default:
                    flush(&pendingHighSurrogate, into: &out)
                    appendUTF8(UInt32(unit), to: &out)
                }
                continue
            }
            flush(&pendingHighSurrogate, into: &out)
            switch escape {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            default: out.append(escape)  // \" \\ \/
            }
        }
    }

    /// Emits a surrogate that lost its partner as U+FFFD.
    @inline(__always) static func flush(_ pending: inout UInt16?, into out: inout [UInt8]) {
        if pending != nil {
            pending = nil
            appendUTF8(0xFFFD, to: &out)
        }
    }

    static func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
        switch value {
        case 0..<0x80:
            out.append(UInt8(value))
        case 0x80..<0x800:
            out.append(0xC0 | UInt8(value >> 6))
            out.append(0x80 | UInt8(value & 0x3F))
        case 0x800..<0x10000:
            out.append(0xE0 | UInt8(value >> 12))
            out.append(0x80 | UInt8((value >> 6) & 0x3F))
            out.append(0x80 | UInt8(value & 0x3F))
        default:
            out.append(0xF0 | UInt8(value >> 18))
            out.append(0x80 | UInt8((value >> 12) & 0x3F))
            out.append(0x80 | UInt8((value >> 6) & 0x3F))
            out.append(0x80 | UInt8(value & 0x3F))
        }
    }

    /// The decoded string (a lone surrogate becomes U+FFFD).
    static func string(_ bytes: Bytes, _ ref: JSONStringRef) -> String {
        if !ref.hasEscapes { return bytes.view(ref.range).string }
        var out: [UInt8] = []
        var pending: UInt16?
        decode(bytes, ref, into: &out, pendingHighSurrogate: &pending)
        flush(&pending, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether the decoded string is exactly `literal` (object keys are compared this way).
    @inline(__always) static func equals(_ bytes: Bytes, _ ref: JSONStringRef, _ literal: StaticString) -> Bool {
        if !ref.hasEscapes {
            guard ref.range.count == literal.utf8CodeUnitCount else { return false }
            return bytes.view(ref.range).equals(literal)
        }
        var out: [UInt8] = []
        var pending: UInt16?
        decode(bytes, ref, into: &out, pendingHighSurrogate: &pending)
        flush(&pending, into: &out)
        return out.withUnsafeBufferPointer { $0.equals(literal) }
    }

    /// A lenient value as text: strings decoded, numbers and booleans as written; nil otherwise.
    static func text(_ bytes: Bytes, _ value: JSONLenientValue) -> String? {
        switch value {
        case .string(let ref): return string(bytes, ref)
        case .literal(let range): return bytes.view(range).string
        case .null, .composite: return nil
        }
    }
}
