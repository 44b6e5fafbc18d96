#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Small pieces shared by the AWS and OSS signers: SHA-256, HMAC, RFC 3986 encoding and the three
/// timestamp shapes the protocols use. Pure functions, so every signer stays clock-free.
enum SigningSupport {
    static func sha256Hex(_ text: String) -> String { Hex.string(Digest.hash(.sha256, Array(text.utf8))) }

    static func hmacSHA256(key: [UInt8], _ message: String) -> [UInt8] {
        Digest.hmac(.sha256, key: key, Array(message.utf8))
    }

    static func hmacSHA1Base64(key: String, _ message: String) -> String {
        Data(Digest.hmac(.sha1, key: Array(key.utf8), Array(message.utf8))).base64EncodedString()
    }

    /// RFC 3986 percent-encoding: unreserved characters stay, every other byte becomes `%XX`
    /// (upper-case). With `keepSlash`, `/` stays too (object keys keep their "folders").
    static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: "/") where keepSlash:
                out.append(b)
            default:
                out.append(UInt8(ascii: "%")); out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes a query string in the given order; an empty value is written as the bare name
    /// (`?uploads`), which both OSS and S3 accept.
    static func queryString(_ query: [(String, String)]) -> String {
        query.map { $0.1.isEmpty ? uriEncode($0.0) : uriEncode($0.0) + "=" + uriEncode($0.1) }.joined(separator: "&")
    }

    /// Header values are compared after trimming and collapsing inner runs of spaces (SigV4
    /// canonical form; harmless for OSS whose SDKs send single-spaced values anyway).
    static func canonicalHeaderValue(_ value: String) -> String {
        value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            .trimmed
    }
}

/// A UTC instant broken into the fields the signers print. Computed arithmetically, so it
/// needs neither locales nor `DateFormatter` (not cheap, and not obviously thread-safe).
public struct UTCTimestamp: Sendable, Equatable {
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    /// 0 = Sunday.
    public var weekday: Int
    /// Whole seconds since 1970.
    public var unixSeconds: Int64

    public init(_ date: Date) {
        let secs = Int64(floor(date.timeIntervalSince1970))
        unixSeconds = secs
        var days = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; days -= 1 }
        hour = Int(rem / 3600); minute = Int(rem % 3600 / 60); second = Int(rem % 60)
        weekday = Int(((days % 7) + 11) % 7) // 1970-01-01 was a Thursday (4)
        // Civil-from-days (H. Hinnant's algorithm), valid for the whole proleptic Gregorian range.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = Int(doy - (153 * mp + 2) / 5 + 1)
        month = Int(mp < 10 ? mp + 3 : mp - 9)
        year = Int(yoe + era * 400 + (month <= 2 ? 1 : 0))
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `20130524` — the date in a credential scope.
    public var dateStamp: String { Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2) }
    /// `20130524T000000Z` — `x-amz-date` / `x-oss-date`.
    public var basicISO8601: String { dateStamp + "T" + Self.pad(hour, 2) + Self.pad(minute, 2) + Self.pad(second, 2) + "Z" }
    /// `Fri, 24 May 2013 00:00:00 GMT` — the HTTP `Date` header.
    public var rfc1123: String {
        "\(Self.weekdays[weekday]), \(Self.pad(day, 2)) \(Self.months[month - 1]) \(Self.pad(year, 4)) "
            + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)) GMT"
    }

    /// Parses an HTTP `Date` header (`Tue, 25 Nov 2025 08:00:00 GMT`); used to resync with a
    /// server after `RequestTimeTooSkewed`. Returns nil for anything else.
    public static func parseRFC1123(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT",
              let day = Int(parts[1]), let year = Int(parts[3]),
              let monthIndex = months.firstIndex(of: String(parts[2])) else { return nil }
        let hms = parts[4].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, (1...31).contains(day), (0...23).contains(hms[0]),
              (0...59).contains(hms[1]), (0...60).contains(hms[2]) else { return nil }
        // Days-from-civil, the inverse of the initialiser's computation.
        let m = Int64(monthIndex + 1)
        let y = Int64(year) - (m <= 2 ? 1 : 0)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let secs = days * 86_400 + Int64(hms[0] * 3600 + hms[1] * 60 + hms[2])
        return Date(timeIntervalSince1970: TimeInterval(secs))
    }
}
