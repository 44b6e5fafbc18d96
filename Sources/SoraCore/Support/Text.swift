#if canImport(Glibc)
import Glibc
#endif

// String helpers the worker needs without Foundation's internationalization layer (ICU): the
// binary links FoundationEssentials only, which keeps it small and each worker's memory low.

extension StringProtocol {
    /// Without leading and trailing white space and line breaks (Unicode White_Space).
    public var trimmed: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    /// Whether `other` occurs in `self`, ignoring ASCII and Unicode case.
    public func containsIgnoringCase(_ other: some StringProtocol) -> Bool {
        lowercased().contains(other.lowercased())
    }
}

/// File path pieces (what NSString's path methods did), for `/`-separated POSIX paths.
public enum Path {
    /// `a/b/c.mp4` → `c.mp4`.
    public static func lastComponent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }

    /// `a/b/c.mp4` → `a/b`; `c` → `.`; `/c` → `/`.
    public static func directory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `c.mp4` → `mp4` (empty when there is none).
    public static func fileExtension(_ path: String) -> String {
        let name = lastComponent(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "" }
        return String(name[name.index(after: dot)...])
    }
}

/// Percent-encoding (RFC 3986) without Foundation's CharacterSet.
public enum Percent {
    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// Every byte but the unreserved ones (and `extra`) as `%XX`.
    public static func encode(_ s: String, keeping extra: String = "") -> String {
        let keep = unreserved.union(extra.utf8)
        var out = ""
        for b in s.utf8 {
            if keep.contains(b) { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += "%" + Hex.byte(b).uppercased() }
        }
        return out
    }

    /// `%XX` back to bytes (invalid escapes are kept as they are); `plusIsSpace` for form data.
    public static func decode(_ s: String, plusIsSpace: Bool = false) -> String {
        var bytes: [UInt8] = []
        var u = Array(s.utf8)[...]
        while let c = u.first {
            if c == UInt8(ascii: "%"), u.count >= 3, let hi = Hex.value(u[u.index(after: u.startIndex)]), let lo = Hex.value(u[u.index(u.startIndex, offsetBy: 2)]) {
                bytes.append(hi << 4 | lo)
                u = u.dropFirst(3)
            } else {
                bytes.append(plusIsSpace && c == UInt8(ascii: "+") ? UInt8(ascii: " ") : c)
                u = u.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Lower-case hex, without `String(format:)`.
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    public static func byte(_ b: UInt8) -> String {
        String(decoding: [digits[Int(b >> 4)], digits[Int(b & 15)]], as: UTF8.self)
    }

    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension StringProtocol {
    /// The first (or last) range of the ASCII `needle`, ignoring ASCII case.
    public func range(ofIgnoringCase needle: String, last: Bool = false) -> Range<Index>? {
        let n = Array(needle.lowercased().utf8)
        let u = Array(utf8)
        guard !n.isEmpty, n.count <= u.count else { return nil }
        func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
        let starts = Array(0...(u.count - n.count))
        for s in last ? starts.reversed() : starts {
            var hit = true
            for k in 0..<n.count where lower(u[s + k]) != n[k] { hit = false; break }
            if hit {
                let from = utf8.index(utf8.startIndex, offsetBy: s)
                return from..<utf8.index(from, offsetBy: n.count)
            }
        }
        return nil
    }
}

/// Writing to the standard streams without FileHandle.
public enum Console {
    /// Writes `text` to standard error as it is (add the newline yourself).
    public static func error(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = write(2, $0.baseAddress, bytes.count) }
    }
}

/// Fixed decimals without `String(format:)` (which needs Foundation's ICU-backed layer).
public func fixed(_ x: Double, _ decimals: Int) -> String {
    let scale = (0..<decimals).reduce(1.0) { acc, _ in acc * 10 }
    let n = Int64((abs(x) * scale).rounded())
    let whole = n / Int64(scale), frac = n % Int64(scale)
    let digits = decimals > 0 ? "." + String(repeating: "0", count: decimals - String(frac).count) + String(frac) : ""
    return (x < 0 && n != 0 ? "-" : "") + String(whole) + digits
}

extension String {
    /// Padded with spaces (or cut) to `length` characters, like NSString's `padding(toLength:…)`.
    public func padded(to length: Int) -> String {
        count >= length ? String(prefix(length)) : self + String(repeating: " ", count: length - count)
    }
}
