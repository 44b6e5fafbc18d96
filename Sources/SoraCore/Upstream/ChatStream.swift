import Foundation

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

/// Reads the events of one chat-completions stream (upstream-protocols.md A.4–A.6) and keeps
/// what the worker shows and decides on: the assembled text, progress, stage, the upstream task id,
/// refusal text, in-stream errors and the video link.
///
/// Every payload is JSON-decoded (never pattern-matched raw), leniently: all fields are optional,
/// `choices` may be empty, `content` may be null; an undecodable payload is only counted.
/// Text is interpreted line by line as lines complete, so each `consume` costs time proportional
/// to the new text only. Call `finish(textIsComplete:)` at the end of the body: it interprets the
/// last, unterminated line and fixes `videoLink` by the A.6 rule over the whole text.
///
/// Lines inside a ```` ```json ```` block (the gateway's echo of the request) are ignored for
/// everything, so the user's own prompt can never look like progress, a refusal or the video link.
public struct ChatStreamReader: Sendable {
    /// Default cap for `content` + `reasoning`, in UTF-8 bytes (8 MiB).
    public static let defaultTranscriptLimit = 8 * 1024 * 1024
    /// Longest `stage` kept, in characters.
    public static let maxStageLength = 200
    /// Longest `refusal` / `failureNotice` kept, in characters.
    public static let maxNoticeLength = 300

    /// Cap for the kept text; beyond it text is dropped and `transcriptTruncated` is set.
    public let transcriptLimit: Int

    /// Concatenated `delta.content` of all chunks, in order.
    public private(set) var content = ""
    /// Concatenated `delta.reasoning_content` of all chunks (A.5 D3 puts progress there).
    public private(set) var reasoning = ""
    /// A `[DONE]` payload arrived.
    public private(set) var sawDone = false
    /// The last non-null `finish_reason`, as sent (`"stop"`, `"STOP"`, `"content_filter"`…).
    public private(set) var finishReason: String?
    /// The last `{"error":…}` payload (or `event: error` event) seen in the stream.
    public private(set) var streamError: GatewayError?
    /// Payloads that were neither `[DONE]` nor a JSON object.
    public private(set) var malformedEvents = 0
    /// JSON objects decoded as chunks (error payloads not included).
    public private(set) var chunkCount = 0
    /// Largest progress percentage seen in content or reasoning (0–100); nil until one appears.
    public private(set) var progress: Double?
    /// The latest meaningful status line: quote markers, emphasis and links removed
    /// (link labels kept, URLs never), at most `maxStageLength` characters.
    public private(set) var stage = ""
    /// The upstream's own task id (``ID: `task_…` ``), if the log names one.
    public private(set) var upstreamTaskID: String?
    /// Coarse phase from the log's markers; never moves backwards.
    public private(set) var phase: UpstreamPhase?
    /// The first line that reads as a refusal or moderation verdict (A.7.3), cleaned like `stage`.
    public private(set) var refusal: String?
    /// The latest line that reports a failure without moderation wording (`生成失败`, `❌`,
    /// "failed", "error", "under heavy load"), cleaned like `stage`.
    public private(set) var failureNotice: String?
    /// `model` as the chunks name it (may differ from the requested name).
    public private(set) var responseModel: String?
    /// URLs from a fork's structured `delta.output` array (`[{"url":…,"type":"video"}]`).
    public private(set) var outputLinks: [String] = []
    /// Text beyond `transcriptLimit` was dropped.
    public private(set) var transcriptTruncated = false
    /// `finish(textIsComplete:)` was called.
    public private(set) var isFinished = false

    private var contentLines = LineAssembler()
    private var reasoningLines = LineAssembler()
    private var transcriptBytes = 0
    private var structuredCandidates: [LinkCandidate] = []
    private var bareCandidates: [LinkCandidate] = []
    private var finalLink: String?

    /// Creates an empty reader.
    public init(transcriptLimit: Int = ChatStreamReader.defaultTranscriptLimit) {
        self.transcriptLimit = transcriptLimit
    }

    /// The video link. After `finish`: the A.6 rule over the whole `content`, then the last
    /// structured `outputLinks` entry, then the rule over `reasoning`. Before: the rule over the
    /// complete lines of `content` seen so far (it can still change).
    public var videoLink: String? {
        if isFinished { return finalLink }
        return VideoLinkExtractor.choose(from: streamingCandidates)
    }

    /// A link on a completed line of `content` that already qualifies by its video extension and
    /// is not a preview: safe to persist the moment it appears (a link is only reported once its
    /// line has ended, so a signed query string split across chunks is never cut short).
    public var earlyVideoLink: String? {
        streamingCandidates.last { !$0.isPreview && $0.hasVideoExtension }?.url
    }

    private var streamingCandidates: [LinkCandidate] {
        structuredCandidates.isEmpty ? bareCandidates : structuredCandidates
    }

    // MARK: - Events

    /// Consumes one SSE event: `[DONE]`, a chunk, an error object, or (counted) garbage.
    /// Events with empty data are ignored; an `event: error` event is recorded as `streamError`.
    public mutating func consume(_ event: SSEEvent) {
        let payload = event.data.trimmingCharacters(in: .whitespacesAndNewlines)
        if payload.isEmpty { return }
        if event.event?.lowercased() == "error" {
            streamError = GatewayError.parse(body: Array(payload.utf8)) ?? GatewayError(message: payload)
            return
        }
        consume(payload: payload)
    }

    /// Consumes one payload: the `data` of an event, or a whole non-streamed
    /// `chat.completion` body (its `choices[].message` is read like a delta).
    public mutating func consume(payload: String) {
        let trimmed = payload.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return }
        if trimmed == "[DONE]" {
            sawDone = true
            return
        }
        guard let chunk = try? JSONDecoder().decode(ChunkPayload.self, from: Data(trimmed.utf8)) else {
            malformedEvents += 1
            return
        }
        if let error = chunk.error {
            streamError = error
            if chunk.choices.isEmpty { return }
        }
        chunkCount += 1
        if let model = chunk.model, !model.isEmpty { responseModel = model }
        for choice in chunk.choices {
            if let delta = choice.delta {
                append(delta.reasoning, to: .reasoning)
                append(delta.content, to: .content)
                for item in delta.output where item.type.map({ !$0.lowercased().contains("image") }) ?? true {
                    if let url = item.url, !url.isEmpty { outputLinks.append(url) }
                }
            }
            if let reason = choice.finishReason, !reason.isEmpty { finishReason = reason }
        }
    }

    /// Ends the stream: interprets unterminated last lines and fixes `videoLink`. Only the first
    /// call counts; events consumed afterwards still update the text but no longer the link.
    ///
    /// - Parameter textIsComplete: pass false when the body may have been cut short (transport
    ///   error, or `SSEParser.hasPartialEvent`) and neither `[DONE]` nor a `finish_reason` arrived.
    ///   The unterminated last line then cannot set the stage, and no link that runs into the end
    ///   of the text is reported (it may be a truncated signed URL).
    public mutating func finish(textIsComplete: Bool = true) {
        guard !isFinished else { return }
        let complete = textIsComplete || sawDone || finishReason != nil
        if let line = contentLines.flush() { interpret(line, channel: .content, isPartial: !complete) }
        if let line = reasoningLines.flush() { interpret(line, channel: .reasoning, isPartial: !complete) }
        isFinished = true
        finalLink = VideoLinkExtractor.videoLink(in: content, textIsComplete: complete)
            ?? outputLinks.last
            ?? VideoLinkExtractor.videoLink(in: reasoning, textIsComplete: complete)
    }

    // MARK: - Text

    private enum Channel { case content, reasoning }

    private mutating func append(_ text: String?, to channel: Channel) {
        guard let text, !text.isEmpty else { return }
        let size = text.utf8.count
        guard transcriptBytes + size <= transcriptLimit else {
            transcriptTruncated = true
            return
        }
        transcriptBytes += size
        let lines: [String]
        switch channel {
        case .content:
            content += text
            lines = contentLines.append(text)
        case .reasoning:
            reasoning += text
            lines = reasoningLines.append(text)
        }
        for line in lines { interpret(line, channel: channel) }
    }

    /// Reads one line. A partial line (the cut-off end of a broken stream) may still raise progress
    /// or reveal a refusal, but never sets the stage or yields link candidates.
    private mutating func interpret(_ line: String, channel: Channel, isPartial: Bool = false) {
        // Code fences: any ``` line closes an open block, else opens one with its info string.
        if let info = VideoLinkExtractor.fenceInfo(Substring(line)) {
            switch channel {
            case .content: contentLines.fence = contentLines.fence == nil ? info : nil
            case .reasoning: reasoningLines.fence = reasoningLines.fence == nil ? info : nil
            }
            return
        }
        let fence = channel == .content ? contentLines.fence : reasoningLines.fence
        if let fence, fence.hasPrefix("json") { return }

        let scalars = Array(line.unicodeScalars)
        let spans = VideoLinkExtractor.scanSpans(scalars)
        if channel == .content, !isPartial {
            let found = VideoLinkExtractor.candidates(from: spans)
            if found.first?.source == .bare {
                bareCandidates += found
            } else {
                structuredCandidates += found
            }
        }
        if fence != nil { return }  // other code blocks (```html <video>) only carry links

        let text = TaskLog.unquoted(line)
        guard !text.isEmpty else { return }
        if let value = TaskLog.progress(in: text) {
            progress = max(progress ?? 0, value)
        }
        if let marker = TaskLog.phase(in: text) { phase = max(phase ?? marker, marker) }
        if upstreamTaskID == nil, let id = TaskLog.taskID(in: text) { upstreamTaskID = id }

        let cleaned = TaskLog.clean(scalars, spans: spans)
        if refusal == nil, ModerationText.matches(text) {
            refusal = TaskLog.cut(cleaned.text, to: Self.maxNoticeLength)
        } else if TaskLog.reportsFailure(text) {
            failureNotice = TaskLog.cut(cleaned.text, to: Self.maxNoticeLength)
        }
        if !isPartial, cleaned.isMeaningful, TaskLog.taskID(in: text) == nil, !TaskLog.isIdentifierLine(text) {
            stage = TaskLog.cut(cleaned.text, to: Self.maxStageLength)
        }
    }
}

/// Splits streamed text into complete lines, remembering the open code fence.
struct LineAssembler: Sendable {
    private var tail = ""
    /// Info string of the open ``` block, if any.
    var fence: String?

    /// Appends a piece and returns the lines it completed (without their line ends).
    mutating func append(_ piece: String) -> [String] {
        guard piece.contains(where: \.isNewline) else {
            tail += piece
            return []
        }
        var lines: [String] = []
        var rest = Substring(piece)
        while let end = rest.firstIndex(where: \.isNewline) {
            lines.append(tail + rest[..<end])
            tail = ""
            rest = rest[rest.index(after: end)...]
        }
        tail = String(rest)
        return lines
    }

    /// The unterminated last line, if any; the assembler is then empty.
    mutating func flush() -> String? {
        defer { tail = "" }
        return tail.isEmpty ? nil : tail
    }
}

/// Line-level reading of the Markdown task log (A.5): progress numbers, phase markers, task id,
/// display cleaning.
enum TaskLog {
    /// The line without surrounding whitespace and leading `>` quote markers.
    static func unquoted(_ line: String) -> String {
        let body = line.drop { $0 == ">" || $0.isWhitespace }
        return body.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The largest percentage on the line, clamped to 0–100, by A.5's patterns:
    /// `进度[：:\s]*N(.N)?` (also `当前进度：N%`, `进度 76..`) and `progress[*:\s]*N(.N)?%`.
    static func progress(in line: String) -> Double? {
        let s = Array(line.unicodeScalars)
        var best: Double?
        var i = 0
        while i < s.count {
            var numberStart: Int?
            var needsPercent = false
            if s[i] == "进", i + 1 < s.count, s[i + 1] == "度" {
                var j = i + 2
                while j < s.count, s[j] == "：" || s[j] == ":" || s[j].properties.isWhitespace { j += 1 }
                numberStart = j
            } else if matchesLowercased(s, at: i, "progress") {
                var j = i + 8
                while j < s.count, s[j] == "*" || s[j] == ":" || s[j] == "：" || s[j].properties.isWhitespace { j += 1 }
                numberStart = j
                needsPercent = true
            }
            if let start = numberStart, let parsed = number(s, at: start) {
                let (value, end) = parsed
                var k = end
                while k < s.count, s[k] == " " { k += 1 }
                if !needsPercent || (k < s.count && (s[k] == "%" || s[k] == "％")) {
                    let clamped = min(100, max(0, value))
                    best = max(best ?? clamped, clamped)
                }
                i = end
                continue
            }
            i += 1
        }
        return best
    }

    static func number(_ s: [Unicode.Scalar], at start: Int) -> (Double, Int)? {
        var k = start
        while k < s.count, ("0"..."9").contains(s[k]) { k += 1 }
        guard k > start else { return nil }
        if k + 1 < s.count, s[k] == ".", ("0"..."9").contains(s[k + 1]) {
            k += 1
            while k < s.count, ("0"..."9").contains(s[k]) { k += 1 }
        }
        guard let value = Double(VideoLinkExtractor.string(s[start..<k])) else { return nil }
        return (value, k)
    }

    static func matchesLowercased(_ s: [Unicode.Scalar], at i: Int, _ word: String) -> Bool {
        let w = Array(word.unicodeScalars)
        guard i + w.count <= s.count else { return false }
        for (k, c) in w.enumerated() where VideoLinkExtractor.lowerASCII(s[i + k]) != c { return false }
        return true
    }

    static let queuedMarkers = ["排队中", "队列", "⌛", "queued", "in queue"]
    static let runningMarkers = ["生成中", "🏃", "processing", "generation process begins", "generating", "progress"]
    static let doneMarkers = ["生成完成", "生成成功", "✅", "generation completed", "generation complete"]

    /// The most advanced phase whose marker appears on the line (markers compared by scalars,
    /// so `⌛️` with its variation selector still contains `⌛`).
    static func phase(in line: String) -> UpstreamPhase? {
        let lower = line.lowercased()
        if doneMarkers.contains(where: { lower.containsScalars($0) }) { return .done }
        if runningMarkers.contains(where: { lower.containsScalars($0) }) { return .running }
        if progress(in: line) != nil { return .running }
        if queuedMarkers.contains(where: { lower.containsScalars($0) }) { return .queued }
        return nil
    }

    static let taskIDLabels = ["task id", "task_id", "taskid", "任务id", "任务 id", "任务编号", "id"]

    /// The id from a line such as ``ID: `task_01k9…` `` or `任务ID：abc123` (at least 4 characters
    /// of `[A-Za-z0-9_.-]`).
    static func taskID(in line: String) -> String? {
        let line = line.drop { $0 == "*" || $0 == "_" }
        for label in taskIDLabels where line.count > label.count && line.prefix(label.count).lowercased() == label {
            var rest = line.dropFirst(label.count).drop { $0 == " " || $0 == "*" || $0 == "_" }
            guard rest.first == ":" || rest.first == "：" else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "`" || $0 == "*" }
            let token = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
            if token.count >= 4 { return String(token) }
        }
        return nil
    }

    /// Metadata lines that are not a stage: `sid: …`.
    static func isIdentifierLine(_ line: String) -> Bool {
        let lower = line.lowercased()
        return lower.hasPrefix("sid:") || lower.hasPrefix("sid：")
    }

    static let failureMarkers = ["失败", "❌", "failed", "failure", "error", "错误", "heavy load"]

    static func reportsFailure(_ line: String) -> Bool {
        let lower = line.lowercased()
        return failureMarkers.contains { lower.containsScalars($0) }
    }

    /// A line for display: images and video tags removed, markdown links replaced by their label,
    /// bare URLs removed, `**`/`__`/backticks/heading marks dropped, whitespace collapsed.
    /// `isMeaningful` is false when nothing but links and punctuation was on the line.
    static func clean(_ s: [Unicode.Scalar], spans: [VideoLinkExtractor.LinkSpan]) -> (text: String, isMeaningful: Bool) {
        var out = String.UnicodeScalarView()
        var meaningful = false
        var i = 0
        func keep(_ range: Range<Int>) {
            for c in s[range] {
                if c.properties.isAlphabetic || c.properties.numericType != nil { meaningful = true }
                out.append(c)
            }
        }
        for span in spans {
            keep(i..<span.range.lowerBound)
            if span.kind == .markdown, let label = span.label, !label.contains("](") {
                out.append(contentsOf: label.unicodeScalars)
            }
            i = span.range.upperBound
        }
        keep(i..<s.count)
        var text = String(out)
        for mark in ["**", "__", "`"] { text = text.replacingOccurrences(of: mark, with: "") }
        text = text.drop { $0 == ">" || $0 == "#" || $0.isWhitespace }.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return (text, meaningful && !text.isEmpty)
    }

    /// `text` cut to `limit` characters (with an ellipsis when cut).
    static func cut(_ text: String, to limit: Int) -> String {
        text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }
}

extension String {
    /// Substring search on Unicode scalars (UTF-8 bytes), not on grapheme clusters.
    func containsScalars(_ needle: String) -> Bool {
        var hay = self
        var pin = needle
        return hay.withUTF8 { h in pin.withUTF8 { n in Self.bytes(h, contain: n) } }
    }

    private static func bytes(_ hay: UnsafeBufferPointer<UInt8>, contain needle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        guard hay.count >= needle.count else { return false }
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < needle.count, hay[i + k] == needle[k] { k += 1 }
                if k == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}

// MARK: - Chunk decoding (lenient: every field optional, wrong types ignored)

private struct ChunkPayload: Decodable {
    var model: String?
    var choices: [Choice] = []
    var error: GatewayError?

    enum CodingKeys: String, CodingKey { case model, choices, error }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)  // not an object: malformed
        model = try? c.decodeIfPresent(String.self, forKey: .model)
        choices = (try? c.decodeIfPresent([Choice].self, forKey: .choices)) ?? []
        if c.contains(.error), (try? c.decodeNil(forKey: .error)) == false {
            error = (try? c.decode(GatewayError.self, forKey: .error)) ?? GatewayError(message: "unreadable error object")
        }
    }
}

private struct Choice: Decodable {
    var delta: Delta?
    var finishReason: String?

    enum CodingKeys: String, CodingKey {
        case delta, message
        case finishReason = "finish_reason"
    }

    init(from decoder: Decoder) throws {
        guard let c = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        delta = (try? c.decodeIfPresent(Delta.self, forKey: .delta)) ?? (try? c.decodeIfPresent(Delta.self, forKey: .message))
        finishReason = c.lenientString(.finishReason)
    }
}

private struct Delta: Decodable {
    var content: String?
    var reasoning: String?
    var output: [OutputItem] = []

    enum CodingKeys: String, CodingKey {
        case content, output, reasoning
        case reasoningContent = "reasoning_content"
    }

    private struct Part: Decodable { var text: String? }

    init(from decoder: Decoder) throws {
        guard let c = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        if let text = try? c.decodeIfPresent(String.self, forKey: .content) {
            content = text
        } else if let parts = try? c.decodeIfPresent([Part].self, forKey: .content) {
            content = parts.compactMap(\.text).joined()
        }
        reasoning = (try? c.decodeIfPresent(String.self, forKey: .reasoningContent))
            ?? (try? c.decodeIfPresent(String.self, forKey: .reasoning))
        output = (try? c.decodeIfPresent([OutputItem].self, forKey: .output)) ?? []
    }
}

private struct OutputItem: Decodable {
    var url: String?
    var type: String?

    enum CodingKeys: String, CodingKey { case url, type }

    init(from decoder: Decoder) throws {
        guard let c = try? decoder.container(keyedBy: CodingKeys.self) else { return }
        url = try? c.decodeIfPresent(String.self, forKey: .url)
        type = try? c.decodeIfPresent(String.self, forKey: .type)
    }
}
