/// The set of byte values in some text (ASCII letters folded to lower case): a cheap test that
/// a marker cannot occur, before searching for it.
struct ByteSet: Sendable, Equatable {
    static func == (a: ByteSet, b: ByteSet) -> Bool {
        a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
    }

    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}

    /// The bytes of `text`, letters folded.
    init(_ text: Bytes) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        withUnsafeMutableBytes(of: &words) { raw in
            let w = raw.baseAddress!.assumingMemoryBound(to: UInt64.self)
            for b in text { w[Int(b >> 6)] |= UInt64(1) << UInt64(b & 63) }
        }
        // Fold: capitals (0x41–0x5A, bits 1–26 of the second word) also count as 0x61–0x7A.
        words.1 |= (words.1 & (0x3FF_FFFF << 1)) << 32
        self.words = words
    }

    @inline(__always) mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    /// A byte that can start a link construct occurs: `!`, `[`, `<` or `h`/`H`.
    var mayHoldLinks: Bool {
        words.0 & (1 << 0x21 | 1 << 0x3C) != 0 || words.1 & (1 << (0x5B - 64) | 1 << (0x68 - 64)) != 0
    }

    /// An ASCII letter or digit occurs.
    var hasASCIILetterOrDigit: Bool {
        words.0 & (0x3FF << 0x30) != 0 || words.1 & (0x3FF_FFFF << (0x61 - 64)) != 0
    }

    /// The set without the ASCII digits (no marker holds one, and progress lines differ only there).
    var withoutDigits: ByteSet {
        var copy = self
        copy.words.0 &= ~(0x3FF << 0x30)
        return copy
    }

    /// Every byte of `other` is in this set.
    @inline(__always) func contains(_ other: ByteSet) -> Bool {
        other.words.0 & ~words.0 == 0 && other.words.1 & ~words.1 == 0
            && other.words.2 & ~words.2 == 0 && other.words.3 & ~words.3 == 0
    }
}
