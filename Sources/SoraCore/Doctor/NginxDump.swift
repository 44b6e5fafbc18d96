import Foundation

/// What `sora doctor` needs from nginx's full configuration (`nginx -T`): the `user` workers
/// run as, the FastCGI sockets, and whether our locations are there and point at our folders.
public struct NginxDump: Sendable, Equatable {
    /// The `user` directive (nil: nginx's compiled default, or the master's own user).
    public var user: String?
    /// `fastcgi_pass unix:PATH` targets.
    public var sockets: [String]
    /// `location` arguments, as written (`/api/`, `~ "^/status/…"`).
    public var locations: [String]
    /// `alias` targets (status folder, media folder, page).
    public var aliases: [String]

    public init(text: String) {
        var user: String?, sockets: [String] = [], locations: [String] = [], aliases: [String] = []
        for raw in text.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if let hash = line.firstIndex(of: "#"), !line.hasPrefix("location") { line = String(line[..<hash]) }
            if line.hasPrefix("#") || line.isEmpty { continue }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = words.first else { continue }
            func arg(_ i: Int) -> String? { words.count > i ? words[i].trimmingCharacters(in: CharacterSet(charactersIn: ";\"'")) : nil }
            switch first {
            case "user": user = arg(1)
            case "fastcgi_pass": if let a = arg(1), a.hasPrefix("unix:") { sockets.append(String(a.dropFirst(5))) }
            case "alias": if let a = arg(1) { aliases.append(a) }
            case "location":
                let rest = words.dropFirst().joined(separator: " ")
                locations.append(rest.hasSuffix("{") ? String(rest.dropLast()).trimmingCharacters(in: .whitespaces) : rest)
            default: break
            }
        }
        self.user = user
        self.sockets = uniquedSockets(sockets)
        self.locations = locations
        self.aliases = aliases
    }

    /// Whether a location for `suffix` (`/api/`, `/status/`, `/media/`) exists, under any prefix.
    public func hasLocation(_ suffix: String) -> Bool {
        locations.contains { $0.hasSuffix(suffix) || $0.contains(suffix) }
    }
}

/// Unique elements, first occurrence kept.
func uniquedSockets(_ a: [String]) -> [String] {
    var seen = Set<String>()
    return a.filter { seen.insert($0).inserted }
}
