#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// JSON coding shared by every spool file: ISO-8601 dates, sorted keys (stable diffs).
public enum SpoolJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(isoString(date))
        }
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { dec in
            let s = try dec.singleValueContainer().decode(String.self)
            if let date = parseISO(s) { return date }
            throw DecodingError.dataCorrupted(.init(codingPath: dec.codingPath, debugDescription: "bad date \(s)"))
        }
        return d
    }

    /// `2026-11-25T13:19:13.123Z`. Hand-rolled on `gmtime_r`: Foundation's ISO8601DateFormatter
    /// goes through ICU and dominated the cost of every status read and write.
    public static func isoString(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var secs = time_t(ms >= 0 ? ms / 1000 : (ms - 999) / 1000)
        let frac = Int(ms - Int64(secs) * 1000)
        var t = tm()
        gmtime_r(&secs, &t)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(t.tm_year + 1900, 4))-\(pad(t.tm_mon + 1, 2))-\(pad(t.tm_mday, 2))T"
            + "\(pad(t.tm_hour, 2)):\(pad(t.tm_min, 2)):\(pad(t.tm_sec, 2)).\(pad(Int32(frac), 3))Z"
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fff…]Z` (UTC only, the form this project writes).
    public static func parseISO(_ s: String) -> Date? {
        let u = Array(s.utf8)
        guard u.count >= 20, u[4] == 45, u[7] == 45, u[10] == 84, u[13] == 58, u[16] == 58, u.last == 90 else { return nil }
        func num(_ a: Int, _ b: Int) -> Int32? {
            var v: Int32 = 0
            for c in u[a..<b] { guard (48...57).contains(c) else { return nil }; v = v * 10 + Int32(c - 48) }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16),
              let sec = num(17, 19), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        // Fraction as an integer count of its digits, so "….123Z" gives exactly the Date that
        // `isoString` started from (milliseconds / 1000).
        var fracValue: Int64 = 0, fracScale: Int64 = 1
        if u[19] == 46 {
            for c in u[20..<(u.count - 1)].prefix(9) {
                guard (48...57).contains(c) else { return nil }
                fracValue = fracValue * 10 + Int64(c - 48)
                fracScale *= 10
            }
        } else if u.count != 20 { return nil }
        var t = tm()
        t.tm_year = y - 1900; t.tm_mon = mo - 1; t.tm_mday = d; t.tm_hour = h; t.tm_min = mi; t.tm_sec = sec
        return Date(timeIntervalSince1970: Double(Int64(timegm(&t)) * fracScale + fracValue) / Double(fracScale))
    }
}
