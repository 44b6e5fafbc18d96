/// Marker words in one table of at most 64, so that one test of a line's byte set tells which
/// words could occur at all (`candidates`); only those are searched for.
struct MarkerTable: Sendable {
    private let needles: [StaticString]
    private let sets: [ByteSet]
    private let groupMasks: [UInt64]

    init(_ groups: [[StaticString]]) {
        var needles: [StaticString] = []
        var masks: [UInt64] = []
        for group in groups {
            var mask: UInt64 = 0
            for word in group {
                mask |= 1 << UInt64(needles.count)
                needles.append(word)
            }
            masks.append(mask)
        }
        precondition(needles.count <= 64, "a marker table holds at most 64 words")
        self.needles = needles
        self.sets = needles.map { word in word.withUTF8Buffer { ByteSet($0) } }
        self.groupMasks = masks
    }

    /// Bit i is set when every byte of word i occurs in `present`.
    func candidates(_ present: ByteSet) -> UInt64 {
        var bits: UInt64 = 0
        for index in sets.indices where present.contains(sets[index]) { bits |= 1 << UInt64(index) }
        return bits
    }

    /// Whether a word of `marker`'s group occurs in `text`, among the `candidates` of its byte set.
    func occurs(_ marker: Marker, in text: Bytes, candidates: UInt64) -> Bool {
        var bits = groupMasks[marker.rawValue] & candidates
        while bits != 0 {
            if text.containsFolded(needles[bits.trailingZeroBitCount]) { return true }
            bits &= bits - 1
        }
        return false
    }

    /// Whether a word of `marker`'s group occurs in `text`.
    func occurs(_ marker: Marker, in text: Bytes) -> Bool {
        occurs(marker, in: text, candidates: candidates(ByteSet(text)))
    }
}
