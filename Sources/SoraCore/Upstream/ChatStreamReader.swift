/// How the body of a 200 answer turned out to be framed, judged by its first non-blank byte
/// (a `Content-Type` can be wrong: SSE labelled `text/plain`, a JSON answer to `stream: true`).
public enum ChatBodyFormat: String, Sendable {
    /// Server-Sent Events (A.4).
    case eventStream = "event_stream"
    /// One JSON object: a non-streamed `chat.completion`, or an `{"error":…}` object.
    case json
}

/// Reads one chat-completions answer (upstream-protocols.md A.4–A.7) straight from the body's
/// bytes and keeps what the worker shows and decides on: progress, stage, phase, the upstream task
/// id, refusal text, in-stream errors and the video link.
///
/// Driving it (the whole surface a worker needs):
/// ```swift
/// var reader = ChatStreamReader()
/// // every body chunk of a 200 answer that is SSE, JSON or text (an HTML page is no answer:
/// // FailureClassifier.httpError), whatever the Content-Type says:
/// reader.feed(chunk)                    // UnsafeRawBufferPointer or any bytes
/// reader.earlyVideoLink                 // persist it as soon as it appears
/// reader.progress, reader.stage, reader.upstreamTaskID   // for the status file
/// // at the end of the transfer:
/// reader.finish(textIsComplete: transferCompleted)
/// reader.endedMidEvent                  // true: the body was cut inside an event → TransportEnd.cut
/// reader.videoLink                      // the result, or nil →
/// FailureClassifier.streamEnded(reader: reader, transportError: end)
/// ```
/// A body whose first non-blank byte is `{` is read as one JSON object at `finish` (a
/// `chat.completion`'s `choices[0].message.content` counts like streamed deltas, an `error` object
/// like an in-stream error); anything else is framed as SSE. `readCompletion(body:)` does both
/// steps for a body already in hand. The older event interface (`SSEParser` + `consume(_:)`)
/// still works and gives the same results, except that a `String` per event cannot join a UTF-8
/// character split between two deltas.
///
/// Cost and memory: SSE lines are framed on bytes, each payload is scanned once by a small JSON
/// cursor that only decodes `choices[0].delta.content` / `reasoning_content` / `finish_reason`,
/// `error`, `model` and `id`, and the text is interpreted line by line as lines complete; no
/// `String` is built per line or per event. Memory is flat however long the stream: the text is
/// not kept (only its first `transcriptLimit` bytes, for diagnostics), the link is found by the
/// A.6 rule over a bounded window (`LinkCollector`), the stage is one raw line.
///
/// Lines inside a ```` ```json ```` block (the gateway's echo of the request) are ignored for
/// everything, so the user's own prompt can never look like progress, a refusal or the video link.
public struct ChatStreamReader: Sendable {
    /// Default number of text bytes kept in `content` + `reasoning` (64 KiB).
    public static let defaultTranscriptLimit = 64 * 1024
    /// Longest `stage` kept, in characters.
    public static let maxStageLength = 200
    /// Longest `refusal` / `failureNotice` kept, in characters.
    public static let maxNoticeLength = 300
    /// Largest JSON body (non-streamed answer) read, in bytes; a larger one is unreadable.
    public static let maxJSONBodyBytes = 8 * 1024 * 1024
    /// Most `outputLinks` kept (the last ones).
    public static let maxOutputLinks = 16
    /// Longest SSE line and event accepted (as `SSEParser.defaultLimit`).
    public static let maxEventBytes = SSEParser.defaultLimit

    /// Cap for the kept text; beyond it text is still read but no longer kept, and
    /// `transcriptTruncated` is set.
    public let transcriptLimit: Int

    /// A `[DONE]` payload arrived.
    public private(set) var sawDone = false
    /// The last non-null `finish_reason`, as sent (`"stop"`, `"STOP"`, `"content_filter"`…).
    public private(set) var finishReason: String?
    /// The last `{"error":…}` payload (or `event: error` event) seen in the stream.
    public private(set) var streamError: GatewayError?
    /// Payloads that were neither `[DONE]` nor a JSON object (or a JSON body that did not parse).
    public private(set) var malformedEvents = 0
    /// JSON objects read as chunks (error payloads not included).
    public private(set) var chunkCount = 0
    /// URLs from a fork's structured `delta.output` array (`[{"url":…,"type":"video"}]`), the last
    /// `maxOutputLinks`.
    public private(set) var outputLinks: [String] = []
    /// Text beyond `transcriptLimit` was read but not kept.
    public private(set) var transcriptTruncated = false
    /// `finish(textIsComplete:)` was called; later input is ignored.
    public private(set) var isFinished = false
    /// How the fed body is framed; nil until a non-blank byte arrived (and when only `consume` is used).
    public private(set) var bodyFormat: ChatBodyFormat?
    /// Body bytes fed so far.
    public private(set) var bytesFed = 0

    private var framer = SSEFramer(maxLineBytes: ChatStreamReader.maxEventBytes, maxEventBytes: ChatStreamReader.maxEventBytes)
    /// Blank bytes (whitespace, BOM) seen before the format was known.
    private var leadingBlank: [UInt8] = []
    private var jsonBody: [UInt8] = []
    private var jsonBodyUnreadable = false
    private var contentText = TextChannel()
    private var reasoningText = TextChannel()
    private var log = TaskLogState()
    private var keptContent: [UInt8] = []
    private var keptReasoning: [UInt8] = []
    private var modelBytes: [UInt8] = []
    private var idBytes: [UInt8] = []
    private var finalLink: String?

    /// Creates an empty reader.
    public init(transcriptLimit: Int = ChatStreamReader.defaultTranscriptLimit) {
        self.transcriptLimit = transcriptLimit
    }

    // MARK: - What the stream said

    /// Largest progress percentage seen in content or reasoning (0–100); nil until one appears.
    public var progress: Double? { log.progress }
    /// The latest meaningful status line: quote markers, emphasis and links removed
    /// (link labels kept, URLs never), at most `maxStageLength` characters.
    public var stage: String { log.stage }
    /// The upstream's own task id (``ID: `task_…` ``), if the log names one.
    public var upstreamTaskID: String? { log.upstreamTaskID }
    /// Coarse phase from the log's markers; never moves backwards.
    public var phase: UpstreamPhase? { log.phase }
    /// The first line that reads as a refusal or moderation verdict (A.7.3), cleaned like `stage`.
    public var refusal: String? { log.refusal }
    /// The latest line that reports a failure without moderation wording (`生成失败`, `❌`,
    /// "failed", "error", "under heavy load"), cleaned like `stage`.
    public var failureNotice: String? { log.failureNotice }
    /// A line said the upstream is under heavy load (A.8): a capacity refusal.
    public var mentionsHeavyLoad: Bool { log.mentionsHeavyLoad }
    /// `model` as the first chunk that names one does (may differ from the requested name).
    public var responseModel: String? { modelBytes.isEmpty ? nil : String(decoding: modelBytes, as: UTF8.self) }
    /// The answer's own `id` (`chatcmpl-…`, `foaicmpl-…`; the first non-empty one), for logs and
    /// support requests.
    public var responseID: String? { idBytes.isEmpty ? nil : String(decoding: idBytes, as: UTF8.self) }
    /// The first `transcriptLimit` bytes (shared with `reasoning`) of the concatenated `delta.content`.
    public var content: String { String(decoding: keptContent, as: UTF8.self) }
    /// The kept part of the concatenated `delta.reasoning_content` (A.5 D3 puts progress there).
    public var reasoning: String { String(decoding: keptReasoning, as: UTF8.self) }

    /// The answer ended as an answer should: `[DONE]`, a `finish_reason`, or a whole JSON body.
    public var sawEndOfAnswer: Bool {
        sawDone || finishReason != nil || (bodyFormat == .json && isFinished && !jsonBodyUnreadable)
    }

    /// After `finish`: the body ended inside an SSE event (or a JSON body did not parse), i.e. it
    /// was cut whatever the transport said. Before: the input so far does not end on an event
    /// boundary.
    public var endedMidEvent: Bool {
        bodyFormat == .json ? jsonBodyUnreadable : framer.hasPartialEvent
    }

    /// The video link. After `finish`: the A.6 rule over the whole `content`, then the last
    /// structured `outputLinks` entry, then the rule over `reasoning`. Before: the rule over the
    /// complete lines of `content` seen so far (it can still change).
    public var videoLink: String? {
        isFinished ? finalLink : contentText.links.summary.streamingChoice
    }

    /// A link on a completed line of `content` that already qualifies by its video extension and
    /// is not a preview: safe to persist the moment it appears (a link is only reported once its
    /// line has ended, so a signed query string split across chunks is never cut short).
    public var earlyVideoLink: String? { contentText.links.summary.earlyLink }

    // MARK: - Input

    /// Feeds the next piece of the body (as a libcurl write callback delivers it).
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        bytes.withMemoryRebound(to: UInt8.self) { feedBytes($0) }
    }

    /// Feeds the next piece of the body.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        let fed: Void? = bytes.withContiguousStorageIfAvailable { feedBytes($0) }
        if fed == nil { Array(bytes).withUnsafeBufferPointer { feedBytes($0) } }
    }

    /// Reads a whole body already in hand (a non-streamed `chat.completion`, an error object, or
    /// an SSE body) and finishes: the same results the stream would give.
    public mutating func readCompletion<C: Collection>(body: C) where C.Element == UInt8 {
        feed(body)
        finish(textIsComplete: true)
    }

    /// Ends the answer: reads a JSON body, interprets unterminated last lines and fixes
    /// `videoLink` by the A.6 rule. Only the first call counts.
    ///
    /// - Parameter textIsComplete: pass false when the transfer did not complete (transport error,
    ///   timeout). The reader adds its own knowledge: a body that ended inside an event is cut too;
    ///   `[DONE]` or a `finish_reason` make the text complete whatever happened after. For cut text
    ///   the unterminated last line cannot set the stage, and no link that runs into the end of
    ///   the text is reported (it may be a truncated signed URL).
    public mutating func finish(textIsComplete: Bool = true) {
        guard !isFinished else { return }
        switch bodyFormat {
        case .eventStream?:
            var framer = SSEFramer(maxLineBytes: 0, maxEventBytes: 0)
            swap(&framer, &self.framer)
            framer.finish(dispatchIncomplete: false) { handle($0) }  // per the standard: dispatches nothing
            swap(&framer, &self.framer)
        case .json?:
            readJSONBody()
        case nil:
            break
        }
        let complete = (textIsComplete && !endedMidEvent) || sawDone || finishReason != nil
        flushSurrogate(.content)
        flushSurrogate(.reasoning)
        contentText.finish(textIsComplete: complete, log: &log)
        reasoningText.finish(textIsComplete: complete, log: &log)
        isFinished = true
        finalLink = contentText.links.summary.finalChoice
            ?? outputLinks.last
            ?? reasoningText.links.summary.finalChoice
    }

    /// Consumes one SSE event made by `SSEParser`: `[DONE]`, a chunk, an error object, or
    /// (counted) garbage. Events with empty data are ignored; an `event: error` event is recorded
    /// as `streamError`. `feed(_:)` does the same without building events.
    public mutating func consume(_ event: SSEEvent) {
        guard !isFinished else { return }
        var data = event.data
        let isError = event.event?.lowercased() == "error"
        data.withUTF8 { handle(data: $0, isErrorEvent: isError) }
    }

    /// Consumes one payload: the `data` of an event, or a whole non-streamed `chat.completion`
    /// body (its `choices[0].message` is read like a delta).
    public mutating func consume(payload: String) {
        guard !isFinished else { return }
        var payload = payload
        payload.withUTF8 { handle(data: $0, isErrorEvent: false) }
    }

    // MARK: - Framing

    private mutating func feedBytes(_ bytes: Bytes) {
        guard !isFinished, !bytes.isEmpty else { return }
        bytesFed += bytes.count
        if bodyFormat == nil {
            var k = 0
            while k < bytes.count, ASCII.isSpace(bytes[k]) || bytes[k] == 0xEF || bytes[k] == 0xBB || bytes[k] == 0xBF { k += 1 }
            guard k < bytes.count else {
                leadingBlank.append(contentsOf: bytes)
                guard leadingBlank.count > 4096 else { return }
                bodyFormat = .eventStream  // only blank lines so far: SSE, or nothing
                let blank = leadingBlank
                leadingBlank = []
                blank.withUnsafeBufferPointer { route($0) }
                return
            }
            bodyFormat = bytes[k] == UInt8(ascii: "{") ? .json : .eventStream
            if !leadingBlank.isEmpty {
                let blank = leadingBlank
                leadingBlank = []
                blank.withUnsafeBufferPointer { route($0) }
            }
        }
        route(bytes)
    }

    private mutating func route(_ bytes: Bytes) {
        if bodyFormat == .json {
            guard !jsonBodyUnreadable else { return }
            if jsonBody.count + bytes.count > Self.maxJSONBodyBytes {
                jsonBodyUnreadable = true
                jsonBody = []
            } else {
                jsonBody.append(contentsOf: bytes)
            }
            return
        }
        // The framer calls back into `self`, so it works on a local copy (its buffers move, not copy).
        var framer = SSEFramer(maxLineBytes: 0, maxEventBytes: 0)
        swap(&framer, &self.framer)
        framer.feed(bytes) { handle($0) }
        swap(&framer, &self.framer)
    }

    private mutating func handle(_ frame: SSEFrame) {
        handle(data: frame.data, isErrorEvent: frame.eventType.count == 5 && frame.eventType.hasPrefixFolded("error"))
    }

    private mutating func readJSONBody() {
        guard !jsonBodyUnreadable else {
            malformedEvents += 1
            return
        }
        let body = jsonBody
        jsonBody = []
        let malformedBefore = malformedEvents
        body.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count, ASCII.isSpace(bytes[start]) { start += 1 }
            if bytes.view(start..<bytes.count).matches("\u{FEFF}", at: 0) { start += 3 }
            handle(data: bytes.view(start..<bytes.count), isErrorEvent: false)
        }
        if malformedEvents > malformedBefore { jsonBodyUnreadable = true }
    }

    // MARK: - Payloads

    private mutating func handle(data: Bytes, isErrorEvent: Bool) {
        let payload = data.trimmingASCIISpace()
        guard !payload.isEmpty else { return }
        if isErrorEvent {
            streamError = GatewayError.parse(body: Array(payload)) ?? GatewayError(message: payload.string)
            return
        }
        if payload.equals("[DONE]") {
            sawDone = true
            return
        }
        let fields: ChatPayload
        do {
            fields = try ChatPayload.scan(payload)
        } catch {
            malformedEvents += 1
            return
        }
        var carriesError = true
        switch fields.error {
        case .absent, .null: carriesError = false
        case .string(let ref): streamError = GatewayError(message: JSONText.string(payload, ref))
        case .object(let range): streamError = GatewayError(jsonObject: payload.view(range))
        case .unreadable: streamError = GatewayError(message: "unreadable error object")
        }
        if carriesError, !fields.hasChoices { return }
        chunkCount += 1
        if modelBytes.isEmpty, let model = fields.model { Self.remember(payload, model, in: &modelBytes) }
        if idBytes.isEmpty, let id = fields.id { Self.remember(payload, id, in: &idBytes) }
        if let message = fields.message {
            if let text = message.reasoningContent ?? message.reasoning { append(payload, text, to: .reasoning) }
            switch message.content {
            case .none: break
            case .string(let text): append(payload, text, to: .content)
            case .parts(let range): appendParts(payload, range)
            }
            if let output = message.output { readOutput(payload, output) }
        }
        if let reason = fields.finishReason, let text = JSONText.text(payload, reason), !text.isEmpty {
            finishReason = text
        }
    }

    private enum Channel { case content, reasoning }

    private mutating func append(_ payload: Bytes, _ string: JSONStringRef, to channel: Channel) {
        // Decoded straight into a temporary buffer (on the stack when small): no array per chunk.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: JSONText.maxDecodedCount(string)) { buffer in
            let count: Int
            switch channel {
            case .content:
                count = JSONText.decode(payload, string, to: buffer.baseAddress!, pendingHighSurrogate: &contentText.pendingHighSurrogate)
            case .reasoning:
                count = JSONText.decode(payload, string, to: buffer.baseAddress!, pendingHighSurrogate: &reasoningText.pendingHighSurrogate)
            }
            deliver(Bytes(rebasing: buffer[0..<count]), to: channel)
        }
    }

    private mutating func appendParts(_ payload: Bytes, _ parts: Range<Int>) {
        var text: [UInt8] = []
        do {
            try ChatPayload.appendPartTexts(payload, parts: parts, into: &text,
                                            pendingHighSurrogate: &contentText.pendingHighSurrogate)
        } catch {
            malformedEvents += 1  // cannot happen: `ChatPayload.scan` validated these bytes
        }
        text.withUnsafeBufferPointer { deliver($0, to: .content) }
    }

    private mutating func readOutput(_ payload: Bytes, _ output: Range<Int>) {
        do {
            outputLinks += try ChatPayload.outputURLs(payload, output: output)
        } catch {
            malformedEvents += 1  // cannot happen: `ChatPayload.scan` validated these bytes
        }
        if outputLinks.count > Self.maxOutputLinks { outputLinks.removeFirst(outputLinks.count - Self.maxOutputLinks) }
    }

    /// A surrogate left open at the end of the text becomes U+FFFD.
    private mutating func flushSurrogate(_ channel: Channel) {
        var text: [UInt8] = []
        switch channel {
        case .content: JSONText.flush(&contentText.pendingHighSurrogate, into: &text)
        case .reasoning: JSONText.flush(&reasoningText.pendingHighSurrogate, into: &text)
        }
        text.withUnsafeBufferPointer { deliver($0, to: channel) }
    }

    private mutating func deliver(_ text: Bytes, to channel: Channel) {
        guard !text.isEmpty else { return }
        if keptContent.count + keptReasoning.count + text.count <= transcriptLimit {
            switch channel {
            case .content: keptContent.append(contentsOf: text)
            case .reasoning: keptReasoning.append(contentsOf: text)
            }
        } else {
            transcriptTruncated = true
        }
        switch channel {
        case .content: contentText.append(text, log: &log)
        case .reasoning: reasoningText.append(text, log: &log)
        }
    }

    /// Keeps a string field (nothing when it is empty).
    private static func remember(_ payload: Bytes, _ ref: JSONStringRef, in stored: inout [UInt8]) {
        var pending: UInt16?
        JSONText.decode(payload, ref, into: &stored, pendingHighSurrogate: &pending)
        JSONText.flush(&pending, into: &stored)
    }
}
