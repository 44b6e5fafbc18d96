import Testing
@testable import SoraCore

/// SplitMix64: a tiny deterministic generator so random splits are reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Ways of cutting one body into the pieces a socket might deliver.
enum Splitter {
    static func whole(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }

    static func byteByByte(_ bytes: [UInt8]) -> [[UInt8]] { bytes.map { [$0] } }

    /// Pieces of 1…maxPiece bytes, cut anywhere (inside UTF-8 characters and CRLF pairs too).
    static func random(_ bytes: [UInt8], seed: UInt64, maxPiece: Int = 40) -> [[UInt8]] {
        var generator = SeededGenerator(seed: seed)
        var pieces: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let length = Int.random(in: 1...maxPiece, using: &generator)
            let end = min(bytes.count, index + length)
            pieces.append(Array(bytes[index..<end]))
            index = end
        }
        return pieces
    }
}

/// Everything observable after running a body through `SSEParser` and `ChatStreamReader`.
struct StreamOutcome: Equatable {
    var events: [SSEEvent]
    var content: String
    var reasoning: String
    var progress: Double?
    var stage: String
    var upstreamTaskID: String?
    var phase: UpstreamPhase?
    var videoLink: String?
    var earlyVideoLink: String?
    var sawDone: Bool
    var finishReason: String?
    var chunkCount: Int
    var malformedEvents: Int
    var refusal: String?
    var streamError: GatewayError?
    var endedMidEvent: Bool
}

/// Feeds the pieces in order, records every progress value seen, finishes both parsers (the
/// reader as incomplete text when the body ended mid-event, as a worker does).
func runStream(_ pieces: [[UInt8]]) -> (outcome: StreamOutcome, reader: ChatStreamReader, progressTrail: [Double]) {
    var parser = SSEParser()
    var reader = ChatStreamReader()
    var events: [SSEEvent] = []
    var trail: [Double] = []
    for piece in pieces {
        for event in parser.feed(piece) {
            events.append(event)
            reader.consume(event)
            if let progress = reader.progress { trail.append(progress) }
        }
    }
    for event in parser.finish() {
        events.append(event)
        reader.consume(event)
    }
    reader.finish(textIsComplete: !parser.hasPartialEvent)
    let outcome = StreamOutcome(
        events: events, content: reader.content, reasoning: reader.reasoning, progress: reader.progress,
        stage: reader.stage, upstreamTaskID: reader.upstreamTaskID, phase: reader.phase,
        videoLink: reader.videoLink, earlyVideoLink: reader.earlyVideoLink, sawDone: reader.sawDone,
        finishReason: reader.finishReason, chunkCount: reader.chunkCount, malformedEvents: reader.malformedEvents,
        refusal: reader.refusal, streamError: reader.streamError, endedMidEvent: parser.hasPartialEvent)
    return (outcome, reader, trail)
}

/// Builds an SSE body from payloads: `data: <payload>\n\n` each.
func sseBody(_ payloads: [String], separator: String = "\n") -> [UInt8] {
    Array(payloads.map { "data: \($0)\(separator)\(separator)" }.joined().utf8)
}

/// A Go-style chunk carrying `content` (the caller escapes it as JSON string content).
func contentChunk(_ escapedContent: String, finish: String? = nil) -> String {
    let reason = finish.map { "\"\($0)\"" } ?? "null"
    return #"{"id":"chatcmpl-t","object":"chat.completion.chunk","created":1764057600,"model":"sora_video2","choices":[{"index":0,"delta":{"content":"\#(escapedContent)"},"finish_reason":\#(reason)}]}"#
}

/// Runs plain content pieces (already JSON-escaped) through the whole pipeline.
func runContent(_ escapedPieces: [String], done: Bool = true) -> (outcome: StreamOutcome, reader: ChatStreamReader, progressTrail: [Double]) {
    var payloads = escapedPieces.map { contentChunk($0) }
    payloads.append(#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#)
    if done { payloads.append("[DONE]") }
    return runStream([sseBody(payloads)])
}

/// The four dialects of A.5, each with its own framing.
enum Dialect: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case d1TaskLogGoEscapes, d2QueuePercentPythonEscapesCRLF, d3ReasoningChannelWithBOM, d4PlanFormMixedLineEndsNoDone

    var testDescription: String { rawValue }

    var bytes: [UInt8] {
        switch self {
        case .d1TaskLogGoEscapes:
            return Array(StreamFixtures.d1.utf8)
        case .d2QueuePercentPythonEscapesCRLF:
            return Array(StreamFixtures.d2.replacingOccurrences(of: "\n", with: "\r\n").utf8)
        case .d3ReasoningChannelWithBOM:
            return [0xEF, 0xBB, 0xBF] + Array(StreamFixtures.d3.utf8)
        case .d4PlanFormMixedLineEndsNoDone:
            // One line per event; event i ends with "\r\r", "\n\n" or "\r\n\r\n" in turn.
            let blocks = StreamFixtures.d4.components(separatedBy: "\n\n").filter { !$0.isEmpty }
            let ends = ["\r\r", "\n\n", "\r\n\r\n"]
            let body = blocks.enumerated().map { $0.element + ends[$0.offset % ends.count] }.joined()
            return Array(body.utf8)
        }
    }

    var expected: Expected {
        switch self {
        case .d1TaskLogGoEscapes:
            let task = "task_01k9q7v3m2x8hzr5c4t1e6wbna"
            return Expected(
                content: "```json\n{\n    \"prompt\": \"a red fox running through fresh snow\",\n    \"orientation\": \"portrait\"\n}\n```\n\n"
                    + "> ID: `\(task)`\n"
                    + ">[数据预览](https://sora.example.net/web/\(task)) | [原始数据](https://sora.example.net/source/\(task))\n"
                    + "> 排队中......\n> 生成中.\n>🏃 进度 36..\n>🏃 进度 76..\n> 生成完成 ✅\n"
                    + "> sid: s_692563a0c4d88191b7e2f0a1c3d5e7f9\n\n"
                    + "![https://cdn.example.net/20251125/9f8e7d6c.webp](https://cdn.example.net/20251125/9f8e7d6c.webp)\n"
                    + "[在线播放▶️](https://cdn.example.net/20251125/9f8e7d6c.mp4)",
                reasoning: "",
                videoLink: "https://cdn.example.net/20251125/9f8e7d6c.mp4",
                progress: 76, stage: "生成完成 ✅", upstreamTaskID: task,
                sawDone: true, finishReason: "stop", chunkCount: 14, eventCount: 15)
        case .d2QueuePercentPythonEscapesCRLF:
            let link = "https://sora-bucket.oss-cn-hongkong.aliyuncs.com/sora/3f2a9c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f.mp4"
                + "?Expires=1764144000&OSSAccessKeyId=LTAI5tExampleKey&Signature=abc%2Bdef%2Fgh%3D"
            return Expected(
                content: "```json\n{\n    \"prompt\": \"武汉长江大桥夜景航拍\",\n    \"mode\": \"横屏模式\"\n}\n```\n\n"
                    + "> ⌛️ 任务正在队列中，请耐心等待...\n\n> 🏃 进度：36.0%\n\n> 🏃 进度：98.7%\n\n"
                    + "> ✅ 视频生成成功，[点击这里](\(link)) 查看视频~~~\n\n",
                reasoning: "",
                videoLink: link,
                progress: 98.7, stage: "✅ 视频生成成功，点击这里 查看视频~~~", upstreamTaskID: nil,
                sawDone: true, finishReason: "stop", chunkCount: 10, eventCount: 11)
        case .d3ReasoningChannelWithBOM:
            let link = "https://sora2api.example.org/tmp/a1b2c3d4e5f6.mp4"
            return Expected(
                content: "```html\n<video src='\(link)' controls></video>\n```",
                reasoning: "**Generation Process Begins**\n\nInitializing generation request...\n"
                    + "**Video Generation Progress**: 37% (processing)\n**Video Generation Progress**: 81% (processing)\n"
                    + "**Video Generation Completed**\n\nWatermark-free mode enabled, caching the video file...\n",
                videoLink: link,
                progress: 81, stage: "Watermark-free mode enabled, caching the video file...", upstreamTaskID: nil,
                sawDone: true, finishReason: "STOP", chunkCount: 6, eventCount: 7)
        case .d4PlanFormMixedLineEndsNoDone:
            let link = "https://sora-out.oss-us-west-1.aliyuncs.com/sora/7c9e4b1a-22f0-4d3e-8a9b-0c1d2e3f4a5b.mp4"
                + "?Expires=1764144000&OSSAccessKeyId=LTAI5tExampleKey&Signature=k%2FZq%2Bx9%3D"
            return Expected(
                content: "视频生成中...\n当前进度：12%\n进度：45%\n视频生成成功！[点击这里](\(link))\n",
                reasoning: "",
                videoLink: link,
                progress: 45, stage: "视频生成成功！点击这里", upstreamTaskID: nil,
                sawDone: false, finishReason: "stop", chunkCount: 7, eventCount: 7)
        }
    }

    struct Expected {
        var content: String
        var reasoning: String
        var videoLink: String
        var progress: Double
        var stage: String
        var upstreamTaskID: String?
        var sawDone: Bool
        var finishReason: String
        var chunkCount: Int
        var eventCount: Int
    }
}

/// Everything a driver can observe on a `ChatStreamReader` after `finish`, for comparing ways of
/// feeding the same body.
struct ReaderOutcome: Equatable, CustomStringConvertible {
    var videoLink: String?
    var earlyVideoLink: String?
    var progress: Double?
    var stage: String
    var phase: UpstreamPhase?
    var upstreamTaskID: String?
    var refusal: String?
    var failureNotice: String?
    var streamError: GatewayError?
    var sawDone: Bool
    var finishReason: String?
    var sawEndOfAnswer: Bool
    var chunkCount: Int
    var malformedEvents: Int
    var endedMidEvent: Bool
    var responseModel: String?
    var responseID: String?
    var outputLinks: [String]
    var content: String
    var reasoning: String
    var failureKind: FailureKind?

    init(_ reader: ChatStreamReader) {
        videoLink = reader.videoLink
        earlyVideoLink = reader.earlyVideoLink
        progress = reader.progress
        stage = reader.stage
        phase = reader.phase
        upstreamTaskID = reader.upstreamTaskID
        refusal = reader.refusal
        failureNotice = reader.failureNotice
        streamError = reader.streamError
        sawDone = reader.sawDone
        finishReason = reader.finishReason
        sawEndOfAnswer = reader.sawEndOfAnswer
        chunkCount = reader.chunkCount
        malformedEvents = reader.malformedEvents
        endedMidEvent = reader.endedMidEvent
        responseModel = reader.responseModel
        responseID = reader.responseID
        outputLinks = reader.outputLinks
        content = reader.content
        reasoning = reader.reasoning
        let end: TransportEnd = reader.endedMidEvent ? .cut(detail: "body ended inside an event") : .complete
        failureKind = FailureClassifier.streamEnded(reader: reader, transportError: end)?.kind
    }

    var description: String {
        "link=\(videoLink ?? "nil") early=\(earlyVideoLink ?? "nil") progress=\(progress.map { "\($0)" } ?? "nil") "
            + "stage=\(stage) refusal=\(refusal ?? "nil") error=\(streamError?.message ?? "nil") chunks=\(chunkCount) "
            + "malformed=\(malformedEvents) cut=\(endedMidEvent) failure=\(failureKind.map { "\($0)" } ?? "nil")"
    }
}

/// Feeds raw body pieces straight into `ChatStreamReader.feed` (the driver's path) and finishes
/// as a transfer that completed.
func feedStream(_ pieces: [[UInt8]], transcriptLimit: Int = ChatStreamReader.defaultTranscriptLimit) -> ChatStreamReader {
    var reader = ChatStreamReader(transcriptLimit: transcriptLimit)
    for piece in pieces { reader.feed(piece) }
    reader.finish(textIsComplete: true)
    return reader
}
