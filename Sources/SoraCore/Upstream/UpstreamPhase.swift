/// Coarse state of the upstream generation as the task log describes it (A.5 markers).
/// It never moves backwards.
public enum UpstreamPhase: Int, Comparable, Sendable, Codable {
    /// `排队中`, `队列`, `⌛`, "queued".
    case queued = 1
    /// `生成中`, `🏃`, a progress number, "processing".
    case running = 2
    /// `生成完成`, `生成成功`, `✅`, "completed".
    case done = 3

    /// Orders phases by how far the generation has got.
    public static func < (lhs: UpstreamPhase, rhs: UpstreamPhase) -> Bool { lhs.rawValue < rhs.rawValue }
}
