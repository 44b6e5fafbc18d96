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

    /// Room `decode(_:_:to:pendingHighSurrogate:)` may need: escapes only shrink the text, and at
    /// most one U+FFFD (3 bytes) for a surrogate left over from the previous string is added.
    @inline(__always) static func maxDecodedCount(_ ref: JSONStringRef) -> Int { ref.range.count + 3 }

    /// Writes the decoded bytes of `ref` (positions in `bytes`) at `out`, which has room for
    /// `maxDecodedCount(ref)` bytes, and returns how many were written.
    static func decode(_ bytes: Bytes, _ ref: JSONStringRef, to out: UnsafeMutablePointer<UInt8>,
                       pendingHighSurrogate: inout UInt16?) -> Int {
        let end = ref.range.upperBound
        var i = ref.range.lowerBound
        var count = 0
        if !ref.hasEscapes {
            guard i < end else { return 0 }
            count += flush(&pendingHighSurrogate, to: out)
            (out + count).update(from: bytes.baseAddress! + i, count: end - i)
            return count + end - i
        }
        while i < end {
            let j = bytes.view(0..<end).firstIndex(of: UInt8(ascii: "\\"), or: UInt8(ascii: "\\"), from: i)
            let runEnd = j
            if runEnd > i {
                count += flush(&pendingHighSurrogate, to: out + count)
                (out + count).update(from: bytes.baseAddress! + i, count: runEnd - i)
                count += runEnd - i
            }
            if runEnd >= end { break }
            let escape = bytes[j + 1]  // the cursor validated every escape
            i = j + 2
            if escape == UInt8(ascii: "u") {
                let unit = hex4(bytes, at: j + 2) ?? 0xFFFD
                i = j + 6
                switch unit {
                case 0xD800...0xDBFF:
                    count += flush(&pendingHighSurrogate, to: out + count)
                    pendingHighSurrogate = unit
                case 0xDC00...0xDFFF:
                    if let high = pendingHighSurrogate {
                        pendingHighSurrogate = nil
                        count += writeUTF8(0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(unit - 0xDC00), to: out + count)
                    } else {
                        count += writeUTF8(0xFFFD, to: out + count)
                    }
                default:
                    count += flush(&pendingHighSurrogate, to: out + count)
                    count += writeUTF8(UInt32(unit), to: out + count)
                }
                continue
            }
            count += flush(&pendingHighSurrogate, to: out + count)
            switch escape {
            case UInt8(ascii: "n"): out[count] = 0x0A
            case UInt8(ascii: "r"): out[count] = 0x0D
            case UInt8(ascii: "t"): out[count] = 0x09
            case UInt8(ascii: "b"): out[count] = 0x08
            case UInt8(ascii: "f"): out[count] = 0x0C
            default: out[count] = escape  // \" \\ \/
            }
            count += 1
        }
        return count
    }

    /// Appends the decoded bytes of `ref` to `out`.
    static func decode(_ bytes: Bytes, _ ref: JSONStringRef, into out: inout [UInt8], pendingHighSurrogate: inout UInt16?) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxDecodedCount(ref)) { buffer in
            let count = decode(bytes, ref, to: buffer.baseAddress!, pendingHighSurrogate: &pendingHighSurrogate)
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    /// Writes U+FFFD for a surrogate that lost its partner; returns the bytes written.
    @inline(__always) static func flush(_ pending: inout UInt16?, to out: UnsafeMutablePointer<UInt8>) -> Int {
        guard pending != nil else { return 0 }
        pending = nil
        return writeUTF8(0xFFFD, to: out)
    }

    /// Appends U+FFFD for a surrogate that lost its partner.
    static func flush(_ pending: inout UInt16?, into out: inout [UInt8]) {
        if pending != nil {
            pending = nil
            out.append(contentsOf: [0xEF, 0xBF, 0xBD])
        }
    }

    @inline(__always) static func writeUTF8(_ value: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        switch value {
        case 0..<0x80:
            out[0] = UInt8(value)
            return 1
        case 0x80..<0x800:
            out[0] = 0xC0 | UInt8(value >> 6)
            out[1] = 0x80 | UInt8(value & 0x3F)
            return 2
        case 0x800..<0x10000:
            out[0] = 0xE0 | UInt8(value >> 12)
            out[1] = 0x80 | UInt8((value >> 6) & 0x3F)
            out[2] = 0x80 | UInt8(value & 0x3F)
            return 3
        default:
            out[0] = 0xF0 | UInt8(value >> 18)
            out[1] = 0x80 | UInt8((value >> 12) & 0x3F)
            out[2] = 0x80 | UInt8((value >> 6) & 0x3F)
            out[3] = 0x80 | UInt8(value & 0x3F)
            return 4
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
        let n = literal.utf8CodeUnitCount
        guard !ref.hasEscapes, literal.hasPointerRepresentation else { return slowEquals(bytes, ref, literal) }
        guard ref.range.count == n else { return false }
        let key = bytes.baseAddress! + ref.range.lowerBound
        let expected = literal.utf8Start
        var k = 0
        while k < n {
            if key[k] != expected[k] { return false }
            k += 1
        }
        return true
    }

    /// `equals` for a key with escapes (or a one-scalar literal).
    private static func slowEquals(_ bytes: Bytes, _ ref: JSONStringRef, _ literal: StaticString) -> Bool {
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
