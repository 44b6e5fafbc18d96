/// One line of `sora doctor`: a verdict on one thing, and the fix when it is not OK.
/// Messages name settings, paths, users and modes — never a setting's value.
public struct DoctorFinding: Codable, Sendable, Equatable {
    public enum Level: String, Codable, Sendable, Comparable {
        case ok = "OK", warn = "WARN", fail = "FAIL", skip = "SKIP"
        var rank: Int { switch self { case .skip: 0; case .ok: 1; case .warn: 2; case .fail: 3 } }
        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    public var level: Level
    /// What was checked: `config`, `spool`, `socket`, `gateway`, …
    public var check: String
    public var message: String
    public var fix: String?

    public init(_ level: Level, _ check: String, _ message: String, fix: String? = nil) {
        self.level = level; self.check = check; self.message = message; self.fix = fix
    }

    public static func ok(_ check: String, _ message: String) -> DoctorFinding { .init(.ok, check, message) }
    public static func warn(_ check: String, _ message: String, fix: String?) -> DoctorFinding { .init(.warn, check, message, fix: fix) }
    public static func fail(_ check: String, _ message: String, fix: String?) -> DoctorFinding { .init(.fail, check, message, fix: fix) }
    public static func skip(_ check: String, _ message: String) -> DoctorFinding { .init(.skip, check, message) }
}
