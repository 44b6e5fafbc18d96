/// Wording that marks a refusal or moderation verdict (upstream-protocols.md A.7.3), capacity
/// refusals (A.8) and "model not available" answers (A.7.1). Matching is on UTF-8 with ASCII
/// letters folded (`Marker.table`), so it also runs on the stream's line bytes.
public enum ModerationText {
    /// Case-insensitive keywords; any one of them marks a moderation text.
    public static let keywords = ["guardrail", "content polic", "violat", "moderation", "safety system",
                                  "违规", "违反", "审核", "敏感", "安全策略"]

    /// Whether `text` reads as a refusal. `审核` alone in a benign status line (`审核中`,
    /// `审核通过`) does not count.
    public static func matches(_ text: String) -> Bool {
        with(text) { matches($0, candidates: Marker.table.candidates(ByteSet($0))) }
    }

    /// Capacity refusals before generation (A.8: "under heavy load").
    public static func mentionsHeavyLoad(_ text: String) -> Bool { with(text) { Marker.table.occurs(.heavyLoad, in: $0) } }

    /// "Model not found" / "no available channel" answers (A.7.1, A.1).
    public static func saysModelUnavailable(_ text: String) -> Bool {
        with(text) { Marker.table.occurs(.modelUnavailable, in: $0) }
    }

    /// `matches` on line bytes, given the marker candidates of their byte set.
    static func matches(_ text: Bytes, candidates: UInt64) -> Bool {
        let table = Marker.table
        if table.occurs(.verdict, in: text, candidates: candidates) { return true }
        guard table.occurs(.review, in: text, candidates: candidates) else { return false }
        let benign = table.occurs(.benignReview, in: text, candidates: candidates)
            && !table.occurs(.failedReview, in: text, candidates: candidates)
        return !benign
    }

    private static func with(_ text: String, _ body: (Bytes) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { body($0) }
    }
}
