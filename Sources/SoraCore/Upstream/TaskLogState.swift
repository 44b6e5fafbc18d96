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
    /// The raw stage line is `stageLine[..<stageLength]`; the array is overwritten in place, not
    /// reallocated, for each new status line.
    private var stageLine: [UInt8] = []
    private var stageLength = 0
    private var spans: [LinkSpan] = []
    /// Marker candidates of the last line's byte set (digits left out): progress lines repeat it.
    private var lastMarkerKey = ByteSet()
    private var lastMarkerCandidates: UInt64 = 0

    /// Reads one line (without its line end) that lies outside code blocks; `present` holds at
    /// least the line's bytes (it only lets marker searches be skipped). A partial line (the
    /// cut-off end of a broken stream) may still raise progress or reveal a refusal, but never
    /// sets the stage.
    mutating func interpret(_ line: Bytes, present: ByteSet, isPartial: Bool) {
        let text = TaskLog.unquoted(line)
        guard !text.isEmpty else { return }
        let key = present.withoutDigits
        if key != lastMarkerKey {
            lastMarkerKey = key
            lastMarkerCandidates = Marker.table.candidates(key)
        }
        let candidates = lastMarkerCandidates
        let value = TaskLog.progress(in: text)
        if let value { progress = max(progress ?? 0, value) }
        if let marker = TaskLog.phase(in: text, candidates: candidates, hasProgress: value != nil) { phase = max(phase ?? marker, marker) }
        let taskID = TaskLog.taskID(in: text)
        if upstreamTaskID == nil, let taskID { upstreamTaskID = taskID }
        if refusal == nil, ModerationText.matches(text, candidates: candidates) {
            refusal = TaskLog.cut(TaskLog.clean(line), to: ChatStreamReader.maxNoticeLength)
        } else if TaskLog.reportsFailure(text, candidates: candidates) {
            failureNotice = TaskLog.cut(TaskLog.clean(line), to: ChatStreamReader.maxNoticeLength)
        }
        if !mentionsHeavyLoad, Marker.table.occurs(.heavyLoad, in: text, candidates: candidates) { mentionsHeavyLoad = true }
        guard !isPartial, taskID == nil, !TaskLog.isIdentifierLine(text) else { return }
        let meaningful: Bool
        if present.mayHoldLinks {
            if !spans.isEmpty { spans.removeAll(keepingCapacity: true) }
            _ = LinkScanner.scan(line, before: 0x0A, mode: .complete, makeURLs: false, into: &spans)
            meaningful = TaskLog.hasLetterOrDigit(line, outside: spans)
        } else {
            // No link can hide the letters (quote markers, spaces and the line end hold none).
            meaningful = present.hasASCIILetterOrDigit || TaskLog.hasLetterOrDigit(text, outside: [])
        }
        if meaningful {
            if stageLine.count < line.count { stageLine += repeatElement(0, count: line.count - stageLine.count) }
            stageLine.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: line.baseAddress!, count: line.count) }
            stageLength = line.count
        }
    }

    /// The latest meaningful status line for display (quote markers, emphasis and links removed,
    /// link labels kept, URLs never), at most `ChatStreamReader.maxStageLength` characters.
    var stage: String {
        guard stageLength > 0 else { return "" }
        return stageLine.withUnsafeBufferPointer {
            TaskLog.cut(TaskLog.clean($0.view(0..<stageLength)), to: ChatStreamReader.maxStageLength)
        }
    }
}
