/// Makes a technical note safe for status files, API answers and logs: masks `sk-…` keys and
/// bearer tokens, replaces every URL with `<url host>` (no upstream URL may reach a status file,
/// not even its path), collapses whitespace and cuts to `maxLength` characters.
public enum Scrub {
    public static let maxLength = 600

    public static func text(_ text: String) -> String {
        var out: [String] = []
        var maskNext = false
        for word in text.split(whereSeparator: \.isWhitespace) {
            if maskNext { out.append("***"); maskNext = false; continue }
            if word.lowercased() == "bearer" { maskNext = true; out.append(String(word)); continue }
            out.append(scrubWord(word))
        }
        let joined = out.joined(separator: " ")
        return joined.count > maxLength ? String(joined.prefix(maxLength - 1)) + "…" : joined
    }

    static func isBoundary(_ c: Character?) -> Bool {
        guard let c else { return true }
        return !(c.isLetter || c.isNumber || c == "-" || c == "_")
    }

    static func scrubWord(_ word: Substring) -> String {
        var result = ""
        var rest = word
        var previous: Character?
        while let first = rest.first {
            if isBoundary(previous), let url = urlPrefix(rest) {
                result += "<url \(host(of: rest[..<url]))>"
                rest = rest[url...]
                previous = ">"
                continue
            }
            if isBoundary(previous), rest.hasPrefix("sk-") {
                let end = rest.dropFirst(3).firstIndex { !($0.isASCII && ($0.isLetter || $0.isNumber || "_-*".contains($0))) }
                    ?? rest.endIndex
                result += "sk-***"
                rest = rest[end...]
                previous = "*"
                continue
            }
            result.append(first)
            previous = first
            rest = rest.dropFirst()
        }
        return result
    }

    /// End of a URL starting at the front of `s` (`http://`, `https://`), or nil.
    static func urlPrefix(_ s: Substring) -> Substring.Index? {
        let lower = s.prefix(8).lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { return nil }
        return s.firstIndex { "\"'<>)]}`,".contains($0) } ?? s.endIndex
    }

    static func host(of url: Substring) -> String {
        guard let scheme = url.firstRange(of: "://") else { return "" }
        let afterScheme = url[scheme.upperBound...]
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return String(authority.split(separator: "@").last ?? "")
    }
}
