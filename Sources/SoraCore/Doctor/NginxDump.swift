#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What `sora doctor` needs from nginx's full configuration (`nginx -T`): the `user` workers
/// run as, the FastCGI sockets, and whether our locations are there and point at our folders.
public struct NginxDump: Sendable, Equatable {
    /// The `user` directive (nil: nginx's compiled default, or the master's own user).
    public var user: String?
    /// `fastcgi_pass unix:PATH` targets.
    public var sockets: [String]
    /// `location` arguments, as written (`/api/`, `~ ^/status/…`).
    public var locations: [String]
    /// `alias` targets (status folder, media folder, page).
    public var aliases: [String]

    public init(text: String) {
        var user: String?, sockets: [String] = [], locations: [String] = [], aliases: [String] = []
        for words in Self.statements(text) {
            guard let first = words.first else { continue }
            let arg = words.count > 1 ? words[1] : nil
            switch first {
            case "user": user = arg
            case "fastcgi_pass": if let a = arg, a.hasPrefix("unix:"), !sockets.contains(String(a.dropFirst(5))) { sockets.append(String(a.dropFirst(5))) }
            case "alias": if let a = arg { aliases.append(a) }
            case "location": locations.append(words.dropFirst().joined(separator: " "))
            default: break
            }
        }
        self.user = user; self.sockets = sockets; self.locations = locations; self.aliases = aliases
    }

    /// The configuration as statements of words: split at `;`, `{` and `}`, comments dropped,
    /// quotes kept together and removed.
    static func statements(_ text: String) -> [[String]] {
        var out: [[String]] = [], words: [String] = [], word = ""
        var quote: Character?, comment = false, escaped = false
        func endWord() { if !word.isEmpty { words.append(word); word = "" } }
        func endStatement() { endWord(); if !words.isEmpty { out.append(words); words = [] } }
        for c in text {
            if comment { if c == "\n" { comment = false }; continue }
            if let q = quote {
                if escaped { word.append(c); escaped = false } else if c == "\\" { word.append(c); escaped = true }
                else if c == q { quote = nil } else { word.append(c) }
                continue
            }
            switch c {
            case "\"", "'": quote = c
            case "#": endWord(); comment = true
            case ";", "{", "}": endStatement()
            case " ", "\t", "\n", "\r": endWord()
            default: word.append(c)
            }
        }
        endStatement()
        return out
    }

    /// Whether a location for `suffix` (`/api/`, `/status/`, `/media/`) exists, under any prefix.
    public func hasLocation(_ suffix: String) -> Bool {
        locations.contains { $0.hasSuffix(suffix) || $0.contains(suffix) }
    }
}
