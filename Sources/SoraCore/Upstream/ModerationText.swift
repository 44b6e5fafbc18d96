/// Wording that marks a refusal or moderation verdict (upstream-protocols.md A.7.3), capacity
/// refusals (A.8) and "model not available" answers (A.7.1). Matching is on UTF-8 with ASCII
/// letters folded, so it runs on the stream's line bytes without building strings.
public enum ModerationText {
    /// Case-insensitive keywords; any one of them marks a moderation text.
    public static let keywords = keywordBytes.map { $0.description }

    static let keywordBytes: [StaticString] = ["guardrail", "content polic", "violat", "moderation", "safety system",
                                               "违规", "违反", "审核", "敏感", "安全策略"]
    static let benignReview: [StaticString] = ["审核中", "审核通过"]
    static let failedReview: [StaticString] = ["未通过", "不通过", "失败", "拒绝", "没有通过"]
    static let heavyLoad: [StaticString] = ["heavy load", "overloaded", "负载过高", "负载较高"]
    static let modelUnavailable: [StaticString] = ["model not found", "model_not_found", "无可用渠道", "no available channel",
                                                   "model does not exist", "模型不存在", "not found model",
                                                   "model is not available", "model_not_available"]

    /// Whether `text` reads as a refusal. `审核` alone in a benign status line (`审核中`,
    /// `审核通过`) does not count.
    public static func matches(_ text: String) -> Bool { with(text, matches) }

    /// Capacity refusals before generation (A.8: "under heavy load").
    public static func mentionsHeavyLoad(_ text: String) -> Bool { with(text, mentionsHeavyLoad) }

    /// "Model not found" / "no available channel" answers (A.7.1, A.1).
    public static func saysModelUnavailable(_ text: String) -> Bool { with(text) { $0.containsAny(modelUnavailable) } }

    static func matches(_ text: Bytes) -> Bool {
        for keyword in keywordBytes where text.containsFolded(keyword) {
            let isReview = keyword.withUTF8Buffer { $0.equals("审核") }
            if isReview, isBenignReview(text) { continue }
            return true
        }
        return false
    }

    static func isBenignReview(_ text: Bytes) -> Bool {
        !text.containsAny(failedReview) && text.containsAny(benignReview)
    }

    static func mentionsHeavyLoad(_ text: Bytes) -> Bool { text.containsAny(heavyLoad) }

    private static func with(_ text: String, _ body: (Bytes) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { body($0) }
    }
}
