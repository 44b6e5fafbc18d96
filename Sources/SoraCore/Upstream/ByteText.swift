/// A read-only view of UTF-8 bytes. The stream reader works on these views of its own buffers so
/// that no `String` is built per line or per event; they never outlive the call that made them.
typealias Bytes = UnsafeBufferPointer<UInt8>

/// ASCII byte classes and case folding.
enum ASCII {
    /// The byte with an ASCII capital letter folded to lower case.
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b &- 0x41) < 26 ? b | 0x20 : b }
    /// Space, tab, LF, VT, FF or CR.
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b &- 0x09) < 5 }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { (b &- 0x30) < 10 }
    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (lower(b) &- 0x61) < 26 }
    @inline(__always) static func isAlphanumeric(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    /// LF or CR.
    @inline(__always) static func isLineEnd(_ b: UInt8) -> Bool { b == 0x0A || b == 0x0D }
    /// ASCII punctuation as CommonMark defines it (what a backslash may escape).
    @inline(__always) static func isPunctuation(_ b: UInt8) -> Bool {
        (0x21...0x2F).contains(b) || (0x3A...0x40).contains(b) || (0x5B...0x60).contains(b) || (0x7B...0x7E).contains(b)
    }
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// The sub-view `range` (indices of this view, rebased to start at 0).
    @inline(__always) func view(_ range: Range<Int>) -> Bytes { Bytes(rebasing: self[range]) }

    /// The Unicode scalar that starts at `i` and its length in bytes; nil (length 1) for a byte
    /// that does not start a well-formed UTF-8 sequence.
    func scalar(at i: Int) -> (scalar: Unicode.Scalar?, length: Int) {
        let b0 = self[i]
        if b0 < 0x80 { return (Unicode.Scalar(b0), 1) }
        let length: Int
        var value: UInt32
        switch b0 {
        case 0xC2...0xDF: length = 2; value = UInt32(b0 & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(b0 & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(b0 & 0x07)
        default: return (nil, 1)
        }
        guard i + length <= count else { return (nil, 1) }
        for k in 1..<length {
            let c = self[i + k]
            guard c & 0xC0 == 0x80 else { return (nil, 1) }
            value = value << 6 | UInt32(c & 0x3F)
        }
        let shortest = length == 3 ? value >= 0x800 : length == 4 ? value >= 0x10000 : true
        guard shortest, let scalar = Unicode.Scalar(value) else { return (nil, 1) }  // rejects surrogates
        return (scalar, length)
    }

    /// Length of the whitespace scalar at `i` (Unicode `White_Space`: ASCII space, tab and line
    /// ends, NEL, NBSP, U+1680, U+2000–200A, U+2028/2029, U+202F, U+205F, U+3000), 0 if none.
    func whitespaceLength(at i: Int) -> Int {
        let b = self[i]
        if b < 0x80 { return ASCII.isSpace(b) ? 1 : 0 }
        switch b {
        case 0xC2:
            return i + 1 < count && (self[i + 1] == 0x85 || self[i + 1] == 0xA0) ? 2 : 0
        case 0xE1:
            return i + 2 < count && self[i + 1] == 0x9A && self[i + 2] == 0x80 ? 3 : 0
        case 0xE2:
            guard i + 2 < count else { return 0 }
            let b1 = self[i + 1], b2 = self[i + 2]
            if b1 == 0x80, (0x80...0x8A).contains(b2) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF { return 3 }
            return b1 == 0x81 && b2 == 0x9F ? 3 : 0
        case 0xE3:
            return i + 2 < count && self[i + 1] == 0x80 && self[i + 2] == 0x80 ? 3 : 0
        default:
            return 0
        }
    }

    /// The first index at or after `from` holding `a` or `b`, or `count`. Looks at sixteen bytes
    /// at a time (SIMD), then eight (SWAR): what makes framing and string scanning cheap.
    @inline(__always) func firstIndex(of a: UInt8, or b: UInt8, from: Int) -> Int {
        var i = from
        let n = count
        if let base = baseAddress {
            // Eight bytes first (JSON keys and short values end there), then sixteen at a time
            // while nothing matches, then eight again to find the exact byte.
            if i + 8 <= n, let hit = Self.firstMatch(in: base + i, a, b) { return i + hit }
            if i + 8 <= n { i += 8 }
            let vectorA = SIMD16<UInt8>(repeating: a)
            let vectorB = SIMD16<UInt8>(repeating: b)
            while i + 16 <= n {
                let vector = UnsafeRawPointer(base + i).loadUnaligned(as: SIMD16<UInt8>.self)
                if any((vector .== vectorA) .| (vector .== vectorB)) { break }
                i += 16
            }
            while i + 8 <= n {
                if let hit = Self.firstMatch(in: base + i, a, b) { return i + hit }
                i += 8
            }
        }
        while i < n {
            let c = self[i]
            if c == a || c == b { return i }
            i += 1
        }
        return n
    }

    /// The offset of the first of the eight bytes at `p` that is `a` or `b` (SWAR).
    @inline(__always) private static func firstMatch(in p: UnsafePointer<UInt8>, _ a: UInt8, _ b: UInt8) -> Int? {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let lows: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let word = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
        // Exact zero-byte test: the high bit of each byte of `hits` is set iff that byte of `word`
        // equals `a` or `b` (no false positives, so the lowest one is the answer).
        let xa = word ^ (ones &* UInt64(a))
        let xb = word ^ (ones &* UInt64(b))
        let hits = ~((xa & lows) &+ lows | xa | lows) | ~((xb & lows) &+ lows | xb | lows)
        return hits == 0 ? nil : hits.trailingZeroBitCount / 8
    }

    /// Whether the bytes at `i` are `needle`, ASCII letters compared case-insensitively
    /// (`needle` must be lower case).
    @inline(__always) func matchesFolded(_ needle: Bytes, at i: Int) -> Bool {
        guard i >= 0, i + needle.count <= count else { return false }
        var k = 0
        while k < needle.count {
            if ASCII.lower(self[i + k]) != needle[k] { return false }
            k += 1
        }
        return true
    }

    /// The first index at or after `from` where `needle` (lower case) occurs, ASCII letters folded.
    func firstIndexFolded(of needle: Bytes, from: Int = 0) -> Int? {
        guard let first = needle.first, needle.count <= count else { return needle.isEmpty ? from : nil }
        let last = count - needle.count
        var i = from
        // Letters can match in either case; any other first byte must match exactly.
        let upper = ASCII.isLetter(first) ? first & ~0x20 : first
        while i <= last {
            let b = self[i]
            if b == first || b == upper, matchesFolded(needle, at: i) { return i }
            i += 1
        }
        return nil
    }

    /// Whether `needle` (lower case) occurs, ASCII letters folded. Non-ASCII bytes compare exactly,
    /// so CJK and emoji markers match as UTF-8 sequences (scalars, not grapheme clusters).
    @inline(__always) func containsFolded(_ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { firstIndexFolded(of: $0) != nil }
    }

    /// Whether the bytes start with `needle` (lower case), ASCII letters folded.
    @inline(__always) func hasPrefixFolded(_ needle: StaticString) -> Bool {
        needle.withUTF8Buffer { matchesFolded($0, at: 0) }
    }

    /// The view without leading and trailing ASCII whitespace.
    func trimmingASCIISpace() -> Bytes {
        var start = 0
        var end = count
        while start < end, ASCII.isSpace(self[start]) { start += 1 }
        while end > start, ASCII.isSpace(self[end - 1]) { end -= 1 }
        return view(start..<end)
    }

    /// Whether the bytes are exactly `literal`.
    @inline(__always) func equals(_ literal: StaticString) -> Bool {
        guard literal.utf8CodeUnitCount == count else { return false }
        guard literal.hasPointerRepresentation else { return literal.withUTF8Buffer { equals($0) } }
        return count == 0 || memcmpEqual(baseAddress!, literal.utf8Start, count)
    }

    /// Whether both views hold the same bytes.
    func equals(_ other: Bytes) -> Bool {
        count == other.count && (count == 0 || memcmpEqual(baseAddress!, other.baseAddress!, count))
    }

    /// The bytes as a `String` (ill-formed UTF-8 repaired with U+FFFD).
    var string: String { String(decoding: self, as: UTF8.self) }
}

@inline(__always) private func memcmpEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

extension UnsafeBufferPointer where Element == UInt8 {
    /// Whether `needle` (lower case) occurs at `i`, ASCII letters folded.
    @inline(__always) func matches(_ needle: StaticString, at i: Int) -> Bool {
        needle.withUTF8Buffer { matchesFolded($0, at: i) }
    }
}
