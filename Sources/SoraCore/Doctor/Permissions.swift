#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Whether a given user (not the one running the check) may use a path, from the owners and
/// mode bits of the path and of every directory above it — the way the kernel decides, less
/// ACLs. `sora doctor` runs as root and asks on behalf of nginx's user and the service user.
public struct Permissions: Sendable {
    /// A user as the kernel sees it.
    public struct Identity: Sendable, Equatable {
        public var name: String
        public var uid: uid_t
        public var gids: [gid_t]
        public init(name: String, uid: uid_t, gids: [gid_t]) { self.name = name; self.uid = uid; self.gids = gids }

        /// A user from the password and group databases.
        public static func named(_ name: String) -> Identity? {
            guard let pw = getpwnam(name) else { return nil }
            var count: Int32 = 64
            var groups = [gid_t](repeating: 0, count: 64)
            if getgrouplist(name, pw.pointee.pw_gid, &groups, &count) < 0 {
                groups = [pw.pointee.pw_gid]; count = 1
            }
            return Identity(name: name, uid: pw.pointee.pw_uid, gids: Array(groups.prefix(Int(count))))
        }

        public static func uid(_ uid: uid_t) -> Identity? {
            guard let pw = getpwuid(uid) else { return nil }
            return named(String(cString: pw.pointee.pw_name))
        }
    }

    /// Owner, group and mode of a path (nil: missing).
    public struct Node: Sendable, Equatable {
        public var uid: uid_t
        public var gid: gid_t
        public var mode: mode_t
        public init(uid: uid_t, gid: gid_t, mode: mode_t) { self.uid = uid; self.gid = gid; self.mode = mode }
        public var isSocket: Bool { mode & S_IFMT == S_IFSOCK }
        public var isDirectory: Bool { mode & S_IFMT == S_IFDIR }
    }

    public let stat: @Sendable (String) -> Node?

    public init(stat: @escaping @Sendable (String) -> Node? = Permissions.systemStat) { self.stat = stat }

    public static let systemStat: @Sendable (String) -> Node? = { statNode($0) }

    /// r = 4, w = 2, x = 1.
    public static func allowed(_ node: Node, _ who: Identity, _ want: mode_t) -> Bool {
        if who.uid == 0 { return want & 1 == 0 || node.mode & 0o111 != 0 || node.isDirectory }
        let bits: mode_t
        if node.uid == who.uid { bits = (node.mode >> 6) & 7 }
        else if who.gids.contains(node.gid) { bits = (node.mode >> 3) & 7 }
        else { bits = node.mode & 7 }
        return bits & want == want
    }

    /// Why `who` cannot use `path` with `want` on the path itself (search on every directory
    /// above it), or nil when it can. The reason names the first path in the way and its mode.
    public func denial(_ path: String, for who: Identity, want: mode_t) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        var current = ""
        for (i, part) in parts.enumerated() {
            let parent = current.isEmpty ? "/" : current
            guard let dir = stat(parent) else { return "\(parent) is missing" }
            if !Self.allowed(dir, who, 1) { return "\(who.name) cannot enter \(parent) (\(Self.describe(dir)))" }
            current += "/" + part
            if i == parts.count - 1 {
                guard let node = stat(current) else { return "\(current) is missing" }
                if !Self.allowed(node, who, want) {
                    return "\(who.name) cannot \(Self.verb(want)) \(current) (\(Self.describe(node)))"
                }
            }
        }
        return nil
    }

    static func verb(_ want: mode_t) -> String {
        switch want { case 2, 3: "write to"; case 6, 7: "read and write"; case 5: "read"; case 4: "read"; case 1: "enter"; default: "use" }
    }

    /// `0750 root:www-data`.
    public static func describe(_ node: Node) -> String {
        let mode = String(node.mode & 0o7777, radix: 8)
        return "\(String(repeating: "0", count: max(0, 4 - mode.count)))\(mode) \(userName(node.uid)):\(groupName(node.gid))"
    }

    public static func userName(_ uid: uid_t) -> String { getpwuid(uid).map { String(cString: $0.pointee.pw_name) } ?? String(uid) }
    public static func groupName(_ gid: gid_t) -> String { getgrgid(gid).map { String(cString: $0.pointee.gr_name) } ?? String(gid) }
}

/// `stat(2)` of a path as a `Node` (outside the struct, whose `stat` property hides the function).
private func statNode(_ path: String) -> Permissions.Node? {
    var s = stat()
    guard stat(path, &s) == 0 else { return nil }
    return Permissions.Node(uid: s.st_uid, gid: s.st_gid, mode: s.st_mode)
}
