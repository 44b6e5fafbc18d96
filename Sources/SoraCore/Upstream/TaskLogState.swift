/// What the task log has said so far (A.5), updated one complete line at a time: progress, phase,
/// stage, the upstream task id, refusal and failure notices. Constant space: the stage is kept as
/// its raw line and cleaned for display only when read.
struct TaskLogState: Sendable {
    /// Largest progress seen (0–100).
    private(set) var progress: Double?
    private(set) var phase: UpstreamPhase?
    private(set) var upstreamTaskID: String?
    private(set) var refusal: String?
    private(set) var failureNotice: String?
    /// A line said the upstream is under heavy load (A.8).
    private(set) var mentionsHeavyLoad = false
    private var stageLine: [UInt8] = []
    private var spans: [LinkSpan] = []

    /// Reads one line (without its line end) that lies outside code blocks. A partial line (the
    /// cut-off end of a broken stream) may still raise progress or reveal a refusal, but never sets
    /// the stage.
    mutating func interpret(_ line: Bytes, isPartial: Bool) {
        let text = TaskLog.unquoted(line)
        guard !text.isEmpty else { return }
        let value = TaskLog.progress(in: text)
        if let value { progress = max(progress ?? 0, value) }
        if let marker = TaskLog.phase(in: text, hasProgress: value != nil) { phase = max(phase ?? marker, marker) }
        let taskID = TaskLog.taskID(in: text)
        if upstreamTaskID == nil, let taskID { upstreamTaskID = taskID }
        if refusal == nil, ModerationText.matches(text) {
            refusal = TaskLog.cut(TaskLog.clean(line), to: ChatStreamReader.maxNoticeLength)
        } else if TaskLog.reportsFailure(text) {
            failureNotice = TaskLog.cut(TaskLog.clean(line), to: ChatStreamReader.maxNoticeLength)
        }
        if !mentionsHeavyLoad, ModerationText.mentionsHeavyLoad(text) { mentionsHeavyLoad = true }
        guard !isPartial, taskID == nil, !TaskLog.isIdentifierLine(text) else { return }
        spans.removeAll(keepingCapacity: true)
        _ = LinkScanner.scan(line, before: 0x0A, mode: .complete, makeURLs: false, into: &spans)
        if TaskLog.hasLetterOrDigit(line, outside: spans) {
            stageLine.removeAll(keepingCapacity: true)
            stageLine.append(contentsOf: line)
        }
    }

    /// The latest meaningful status line for display (quote markers, emphasis and links removed,
    /// link labels kept, URLs never), at most `ChatStreamReader.maxStageLength` characters.
    var stage: String {
        guard !stageLine.isEmpty else { return "" }
        return stageLine.withUnsafeBufferPointer { TaskLog.cut(TaskLog.clean($0), to: ChatStreamReader.maxStageLength) }
    }
}
