#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Job ids: 26 lower-case Crockford base32 characters — 10 for the creation time in
/// milliseconds (so ids sort by time) and 16 for 80 random bits (so ids cannot be guessed).
public enum JobID {
    static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    static let length = 26

    /// A new id for a job created at `now`.
    public static func make(now: Date = Date()) -> String {
        var rng = SystemRandomNumberGenerator()
        return make(now: now, using: &rng)
    }

    /// A new id drawing randomness from `rng` (tests pass a seeded generator).
    public static func make<R: RandomNumberGenerator>(now: Date, using rng: inout R) -> String {
        timePrefix(now) + String(decoding: (0..<16).map { _ in alphabet[Int(rng.next() % 32)] }, as: UTF8.self)
    }

    /// The 10-character time prefix; every id created at or after `date` sorts at or after it.
    public static func timePrefix(_ date: Date) -> String {
        var ms = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var out = [UInt8](repeating: 0, count: 10)
        for i in stride(from: 9, through: 0, by: -1) {
            out[i] = alphabet[Int(ms & 31)]
            ms >>= 5
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True only for strings of exactly the id format; checked before any path is built.
    public static func isValid(_ s: String) -> Bool {
        let u = Array(s.utf8)
        return u.count == length && u.allSatisfy { alphabet.contains($0) }
    }

    /// The creation time encoded in a valid id.
    public static func date(of id: String) -> Date? {
        guard isValid(id) else { return nil }
        var ms: UInt64 = 0
        for c in id.utf8.prefix(10) { ms = ms << 5 | UInt64(alphabet.firstIndex(of: c)!) }
        return Date(timeIntervalSince1970: Double(ms) / 1000)
    }
}
