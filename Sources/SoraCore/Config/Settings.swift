#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The one reader of settings (issue 8 §6): the process environment, then the env-style file
/// named by `SORA_CONFIG` (file values win, so keys can stay out of nginx and unit files). Typed
/// getters collect every problem, each naming its setting and never quoting a secret, instead of
/// stopping at the first one. `Config` and `StorageConfig` both read through it.
public struct Settings: Sendable {
    /// Raw values after merging (trimmed when read).
    public let values: [String: String]
    /// Names whose value came from the file.
    public let fromFile: Set<String>
    public private(set) var problems: [ConfigProblem] = []

    public init(values: [String: String], fromFile: Set<String> = []) { self.values = values; self.fromFile = fromFile }

    /// The environment plus the file named by `SORA_CONFIG`.
    public static func load(environment: [String: String]) -> Settings {
        var values = environment
        var fromFile = Set<String>()
        var problems: [ConfigProblem] = []
        if let path = environment["SORA_CONFIG"], !path.isEmpty {
            if let text = FileIO.read(path).map({ String(decoding: $0, as: UTF8.self) }) {
                for (k, v) in parseEnvFile(text) { values[k] = v; fromFile.insert(k) }
            } else {
                problems.append(ConfigProblem(setting: "SORA_CONFIG", message: "cannot read config file \(path)"))
            }
        }
        var s = Settings(values: values, fromFile: fromFile)
        s.problems = problems
        return s
    }

    /// Parses `KEY=value` lines; `#` comments, blank lines, optional `export `, and single or
    /// double quotes around the value are accepted. Values are taken literally, never expanded.
    public static func parseEnvFile(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmed
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmed
            var value = line[line.index(after: eq)...].trimmed
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
            }
            if !key.isEmpty { out[key] = value }
        }
        return out
    }

    /// Records a problem with `setting`.
    public mutating func problem(_ setting: String, _ message: String) {
        problems.append(ConfigProblem(setting: setting, message: message))
    }

    /// A secret: never quoted in a problem, never printed (`Secret`).
    public func secret(_ name: String) -> Secret? { value(name).map(Secret.init) }

    public mutating func requiredSecret(_ name: String) -> Secret? {
        guard let v = secret(name) else { problem(name, "\(name) is missing"); return nil }
        return v
    }

    /// A number with a default; out of range or not a number is a problem.
    public mutating func number(_ name: String, default fallback: Double?, range: ClosedRange<Double>) -> Double? {
        guard let text = value(name) else { return fallback }
        guard let n = Double(text), n.isFinite, range.contains(n) else {
            problem(name, "\(name) must be a number from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
            return fallback
        }
        return n
    }

    /// A string with a default.
    public func string(_ name: String, default fallback: String) -> String { value(name) ?? fallback }

    /// The trimmed value; an empty value counts as unset.
    public func value(_ name: String) -> String? {
        guard let v = values[name]?.trimmed, !v.isEmpty else { return nil }
        return v
    }

    public mutating func required(_ name: String) -> String? {
        guard let v = value(name) else { problem(name, "\(name) is missing"); return nil }
        return v
    }

    public mutating func endpoint(_ name: String) -> StoreEndpoint? {
        guard let text = required(name) else { return nil }
        guard let e = StoreEndpoint(text) else {
            problem(name, "\(name) must be an http(s) host, e.g. https://oss-cn-hangzhou.aliyuncs.com (got \"\(text)\")")
            return nil
        }
        return e
    }

    /// Bucket names: 3–63 characters of lower-case letters, digits and hyphens (OSS's rule,
    /// also valid on S3), not starting or ending with a hyphen.
    public mutating func bucket(_ name: String) -> String? {
        guard let b = required(name) else { return nil }
        let allowed = b.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "." }
        guard (3...63).contains(b.count), allowed, !b.hasPrefix("-"), !b.hasSuffix("-") else {
            problem(name, "\(name) is not a valid bucket name (3-63 lower-case letters, digits, hyphens; got \"\(b)\")")
            return nil
        }
        return b
    }

    public mutating func baseURL(_ name: String) -> String? {
        guard let text = value(name) else { return nil }
        let lower = text.lowercased()
        guard (lower.hasPrefix("https://") || lower.hasPrefix("http://")), !text.contains(" "), !text.contains("?") else {
            problem(name, "\(name) must be an http(s) URL such as https://cdn.example.com (got \"\(text)\")")
            return nil
        }
        return text
    }

    public mutating func bool(_ name: String, default fallback: Bool) -> Bool {
        guard let text = value(name)?.lowercased() else { return fallback }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problem(name, "\(name) must be true or false (got \"\(text)\")")
            return fallback
        }
    }

    public mutating func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) -> Int {
        guard let text = value(name) else { return fallback }
        guard let n = Int(text), range.contains(n) else {
            problem(name, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \"\(text)\")")
            return fallback
        }
        return n
    }

    /// Bytes, or a number with K, M or G (binary units; a trailing `B`/`iB` is allowed).
    public mutating func size(_ name: String, default fallback: Int64, range: ClosedRange<Int64>) -> Int64 {
        guard let text = value(name) else { return fallback }
        guard let n = Self.parseSize(text), range.contains(n) else {
            problem(name, "\(name) must be a size from \(StorageConfig.formatSize(range.lowerBound)) to \(StorageConfig.formatSize(range.upperBound)), e.g. 64M (got \"\(text)\")")
            return fallback
        }
        return n
    }

    public static func parseSize(_ text: String) -> Int64? {
        var t = text.uppercased().replacing(" ", with: "")
        if t.hasSuffix("IB") { t.removeLast(2) } else if t.hasSuffix("B") { t.removeLast() }
        var shift: Int64 = 0
        switch t.last {
        case "K": shift = 10
        case "M": shift = 20
        case "G": shift = 30
        default: break
        }
        if shift > 0 { t.removeLast() }
        guard let n = Int64(t), n >= 0, n <= (Int64.max >> shift) else { return nil }
        return n << shift
    }
}
