/// The groups of words searched for in task-log lines and gateway messages.
enum Marker: Int, CaseIterable, Sendable {
    /// A.5 phase markers.
    case done, running, queued
    /// A.7.3 refusal wording, all keywords but `审核`, which needs a second look.
    case verdict
    /// `审核`, and the words that make it benign (`审核中`) or not (`未通过`).
    case review, benignReview, failedReview
    /// A failure without saying why (`生成失败`, `❌`, "failed", "error").
    case failure
    /// A.8 capacity refusals.
    case heavyLoad
    /// A.7.1 / A.1 "model not found", "no available channel".
    case modelUnavailable

    /// The words of each group, lower case (matched with ASCII letters folded).
    static let words: [Marker: [StaticString]] = [
        .done: ["生成完成", "生成成功", "✅", "generation complete"],  // also "generation completed"
        .running: ["生成中", "🏃", "processing", "generation process begins", "generating", "progress"],
        .queued: ["排队中", "队列", "⌛", "queued", "in queue"],
        .verdict: ["guardrail", "content polic", "violat", "moderation", "safety system", "违规", "违反", "敏感", "安全策略"],
        .review: ["审核"],
        .benignReview: ["审核中", "审核通过"],
        .failedReview: ["未通过", "不通过", "失败", "拒绝", "没有通过"],
        .failure: ["失败", "❌", "failed", "failure", "error", "错误", "heavy load"],
        .heavyLoad: ["heavy load", "overloaded", "负载过高", "负载较高"],
        .modelUnavailable: ["model not found", "model_not_found", "无可用渠道", "no available channel", "model does not exist",
                            "模型不存在", "not found model", "model is not available", "model_not_available"],
    ]

    /// All groups in one table.
    static let table = MarkerTable(allCases.map { words[$0] ?? [] })
}
