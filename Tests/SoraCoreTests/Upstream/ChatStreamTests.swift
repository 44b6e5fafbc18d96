import Testing
@testable import SoraCore

@Suite("ChatStreamReader")
struct ChatStreamTests {
    // MARK: - Dialects D1–D4

    @Test(arguments: Dialect.allCases)
    func dialectIsAssembledCompletely(_ dialect: Dialect) {
        let expected = dialect.expected
        let (outcome, _, _) = runStream(Splitter.whole(dialect.bytes))
        #expect(outcome.content == expected.content)
        #expect(outcome.reasoning == expected.reasoning)
        #expect(outcome.videoLink == expected.videoLink)
        #expect(outcome.earlyVideoLink == expected.videoLink)
        #expect(outcome.progress == expected.progress)
        #expect(outcome.stage == expected.stage)
        #expect(outcome.upstreamTaskID == expected.upstreamTaskID)
        #expect(outcome.phase == .done)
        #expect(outcome.sawDone == expected.sawDone)
        #expect(outcome.finishReason == expected.finishReason)
        #expect(outcome.chunkCount == expected.chunkCount)
        #expect(outcome.events.count == expected.eventCount)
        #expect(outcome.malformedEvents == 0)
        #expect(outcome.refusal == nil)
        #expect(outcome.streamError == nil)
        #expect(!outcome.endedMidEvent)
        #expect(FailureClassifier.streamEnded(reader: runStream([dialect.bytes]).reader, transportError: .complete) == nil)
    }

    @Test(arguments: Dialect.allCases)
    func dialectGivesIdenticalResultsByteByByteAndInRandomSplits(_ dialect: Dialect) {
        let bytes = dialect.bytes
        let reference = runStream(Splitter.whole(bytes)).outcome
        #expect(runStream(Splitter.byteByByte(bytes)).outcome == reference)
        for seed in 100..<130 {
            #expect(runStream(Splitter.random(bytes, seed: UInt64(seed))).outcome == reference, "seed \(seed)")
        }
    }

    @Test(arguments: Dialect.allCases)
    func progressNeverDecreasesAndStageNeverHoldsAURL(_ dialect: Dialect) {
        let (outcome, _, trail) = runStream(Splitter.random(dialect.bytes, seed: 7))
        #expect(trail == trail.sorted())
        #expect(!outcome.stage.contains("http"))
        #expect(!outcome.stage.hasPrefix(">"))
    }

    @Test func linkSplitAcrossThreeChunksIsOnlyReportedOnceItsLineEnds() {
        // D2 delivers the link in events 6, 7 and 8 (ids). The early link appears with event 8.
        var parser = SSEParser()
        var reader = ChatStreamReader()
        var earlyByID: [String: String?] = [:]
        for event in parser.feed(Dialect.d2QueuePercentPythonEscapesCRLF.bytes) {
            reader.consume(event)
            if let id = event.id { earlyByID[id] = reader.earlyVideoLink }
        }
        #expect(earlyByID["6"] == .some(nil))
        #expect(earlyByID["7"] == .some(nil))
        #expect(earlyByID["8"] == .some(Dialect.d2QueuePercentPythonEscapesCRLF.expected.videoLink))
    }

    @Test func signedQueryFromGoEscapesIsKeptByteForByte() {
        let (outcome, _, _) = runStream([Dialect.d4PlanFormMixedLineEndsNoDone.bytes])
        let link = outcome.videoLink ?? ""
        #expect(link.contains("?Expires=1764144000&OSSAccessKeyId=LTAI5tExampleKey&Signature=k%2FZq%2Bx9%3D"))
        #expect(!link.contains("\\u0026"))
    }

    @Test func posterAndTaskPagesOfD1AreNotPicked() {
        let (outcome, reader, _) = runStream([Dialect.d1TaskLogGoEscapes.bytes])
        #expect(outcome.videoLink?.hasSuffix(".mp4") == true)
        #expect(!reader.content.isEmpty)
        let candidates = VideoLinkExtractor.candidates(in: reader.content)
        #expect(candidates.map(\.url).contains { $0.hasSuffix(".webp") } == false)
    }

    @Test func phaseMovesFromQueuedThroughRunningToDone() {
        var parser = SSEParser()
        var reader = ChatStreamReader()
        var phases: [UpstreamPhase] = []
        for event in parser.feed(Dialect.d2QueuePercentPythonEscapesCRLF.bytes) {
            reader.consume(event)
            if let phase = reader.phase, phases.last != phase { phases.append(phase) }
        }
        #expect(phases == [.queued, .running, .done])
    }

    @Test func responseModelIsRecorded() {
        #expect(runStream([Dialect.d3ReasoningChannelWithBOM.bytes]).reader.responseModel == "sora-2")
    }

    // MARK: - Progress

    @Test(arguments: [
        ("> 🏃 进度：36.0%\\n", 36.0),
        (">🏃 进度 76..\\n", 76.0),
        ("**Video Generation Progress**: 37% (processing)\\n", 37.0),
        ("当前进度：12%\\n", 12.0),
        ("进度：98.7%\\n", 98.7),
        ("进度: 5%\\n", 5.0),
        ("**Progress:** 64%\\n", 64.0),
        ("进度：150%\\n", 100.0),
    ])
    func progressForms(_ line: String, _ value: Double) {
        #expect(runContent([line]).outcome.progress == value)
    }

    @Test func progressWithoutPercentAfterProgressWordIsIgnored() {
        #expect(runContent(["Progress 3 of 5 steps\\n"]).outcome.progress == nil)
    }

    @Test func progressNeverDecreases() {
        let (outcome, _, trail) = runContent(["进度：76%\\n", "进度：36%\\n", "**Video Generation Progress**: 50% (processing)\\n"])
        #expect(outcome.progress == 76)
        #expect(trail.count == 5 && trail.allSatisfy { $0 == 76 })
    }

    @Test func progressNumberSplitAcrossChunksCountsOnlyOnceTheLineEnds() {
        var reader = ChatStreamReader()
        reader.consume(payload: contentChunk("> 🏃 进度：3"))
        #expect(reader.progress == nil)
        reader.consume(payload: contentChunk("6.0%\\n\\n"))
        #expect(reader.progress == 36)
    }

    @Test func progressInTheLastUnterminatedLineCountsAfterFinish() {
        var reader = ChatStreamReader()
        reader.consume(payload: contentChunk("进度：88%"))
        #expect(reader.progress == nil)
        reader.finish()
        #expect(reader.progress == 88)
    }

    @Test func progressInTheEchoedPromptIsIgnored() {
        let echo = "```json\\n{\\n    \\\"prompt\\\": \\\"进度：99% a clock\\\"\\n}\\n```\\n\\n"
        let (outcome, _, _) = runContent([echo, "> 🏃 进度：10.0%\\n"])
        #expect(outcome.progress == 10)
    }

    // MARK: - Stage and task id

    @Test func stageIsTheLatestStatusLineWithoutQuoteMarkersOrLinks() {
        let (outcome, _, _) = runContent([
            "> ⌛️ 任务正在队列中，请耐心等待...\\n\\n",
            "> ✅ 视频生成成功，[点击这里](https://cdn.example.net/v.mp4) 查看视频~~~\\n\\n",
        ])
        #expect(outcome.stage == "✅ 视频生成成功，点击这里 查看视频~~~")
    }

    @Test func stageIsCutToTwoHundredCharacters() {
        let long = String(repeating: "生成中", count: 120)
        let stage = runContent(["> \(long)\\n"]).outcome.stage
        #expect(stage.count == ChatStreamReader.maxStageLength)
        #expect(stage.hasSuffix("…"))
    }

    @Test func taskIDIsReadFromSeveralLabelForms() {
        #expect(runContent(["> ID: `task_01k9q7v3m2x8hzr5c4t1e6wbna`\\n"]).outcome.upstreamTaskID == "task_01k9q7v3m2x8hzr5c4t1e6wbna")
        #expect(runContent(["任务ID：video_7f3a9b\\n"]).outcome.upstreamTaskID == "video_7f3a9b")
        #expect(runContent(["**Task ID**: gen_01abc\\n"]).outcome.upstreamTaskID == "gen_01abc")
        #expect(runContent(["sid: s_692563a0\\n"]).outcome.upstreamTaskID == nil)
    }

    // MARK: - Refusals

    static let refusalLines = [
        "This content may violate our guardrails concerning similarity to third-party content.",
        "This content may violate our guardrails around nudity, sexuality, or erotic content.",
        "We’re so sorry, but this content may violate our guardrails around violence or graphic content.",
        "❌ 视频生成失败：This content may violate our guardrails around self-harm.",
        "❌ 视频生成失败：内容违规",
        "生成失败：违反内容政策",
        "审核未通过，请修改提示词",
        "敏感检测 / 内容安全策略命中（policy）",
        "Error: sora_content_violation",
        "Your request was rejected by the safety system.",
    ]

    @Test(arguments: refusalLines)
    func refusalTextIsRecognised(_ line: String) {
        let (outcome, reader, _) = runContent(["> 🏃 进度：41.0%\\n\\n", "> \(line)\\n\\n"])
        #expect(outcome.refusal == line)
        #expect(outcome.videoLink == nil)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete)?.kind == .moderation)
    }

    @Test func benignReviewStatusIsNotARefusal() {
        #expect(runContent(["> 内容审核中...\\n"]).outcome.refusal == nil)
        #expect(runContent(["> 审核通过，开始生成\\n"]).outcome.refusal == nil)
    }

    @Test func refusalWordsAndURLsInTheEchoedPromptAreIgnored() {
        let echo = "```json\\n{\\n    \\\"prompt\\\": \\\"a story about moderation and content policy, like https://example.com/ref.mp4\\\"\\n}\\n```\\n\\n"
        let (outcome, reader, _) = runContent([echo, "> ⌛️ 任务正在队列中，请耐心等待...\\n"])
        #expect(outcome.refusal == nil)
        #expect(outcome.videoLink == nil)
        #expect(outcome.earlyVideoLink == nil)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete)?.kind == .noLink)
    }

    // MARK: - Errors and odd payloads

    @Test func errorObjectMidStreamIsRecorded() {
        let error = #"{"error": {"message": "API request failed: 400 - {\n  \"error\": {\n    \"message\": \"blocked\",\n    \"code\": \"sentinel_block\"\n  }\n}", "type": "server_error", "param": null, "code": null}}"#
        let body = sseBody([contentChunk("**Generation Process Begins**\\n"), error, "[DONE]"])
        let (outcome, reader, _) = runStream([body])
        #expect(outcome.streamError?.type == "server_error")
        #expect(outcome.streamError?.code == nil)
        #expect(outcome.streamError?.message.contains("sentinel_block") == true)
        #expect(outcome.chunkCount == 1)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete)?.kind == .upstream)
    }

    @Test func errorEventTypeIsRecordedAsStreamError() {
        var reader = ChatStreamReader()
        reader.consume(SSEEvent(data: "upstream exploded", event: "error"))
        #expect(reader.streamError == GatewayError(message: "upstream exploded"))
    }

    @Test func undecodablePayloadsAreCountedNotFatal() {
        let body = sseBody([
            "{\"choices\":[{\"delta\":{\"content\":\"进度：20%\\n\"}}]}",
            "{not json",
            "\"just a string\"",
            "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]",  // truncated
            "{\"choices\":[{\"delta\":{\"content\":\"进度：30%\\n\"}}]}",
        ])
        let (outcome, _, _) = runStream([body])
        #expect(outcome.malformedEvents == 3)
        #expect(outcome.chunkCount == 2)
        #expect(outcome.progress == 30)
    }

    @Test func loneSurrogateEscapeDoesNotBreakTheStream() {
        let body = sseBody([
            "{\"choices\":[{\"delta\":{\"content\":\"\\ud83c\"}}]}",
            "{\"choices\":[{\"delta\":{\"content\":\"\\ud83c\\udfc3 进度：30%\\n\"}}]}",
        ])
        let (outcome, _, _) = runStream([body])
        #expect(outcome.chunkCount + outcome.malformedEvents == 2)
        #expect(outcome.content.hasSuffix("🏃 进度：30%\n"))
        #expect(outcome.progress == 30)
    }

    @Test func oddButValidChunkShapesAreTolerated() {
        let body = sseBody([
            #"{"id":"","object":"chat.completion.chunk","created":0,"model":"sora","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}"#,
            #"{"object":"chat.completion.chunk","choices":[{"index":0}]}"#,
            #"{"object":"chat.completion.chunk"}"#,
            #"{"choices":[{"delta":{"content":[{"type":"text","text":"进度：5%\n"}]}}]}"#,
            #"{"choices":"not an array"}"#,
            #"{"choices":[{"delta":{"content":42}}]}"#,
            #"{"choices":[],"usage":{"total_tokens":3}}"#,
        ])
        let (outcome, _, _) = runStream([body])
        #expect(outcome.malformedEvents == 0)
        #expect(outcome.chunkCount == 7)
        #expect(outcome.content == "进度：5%\n")
    }

    @Test func emptyDataEventsAreIgnored() {
        var reader = ChatStreamReader()
        reader.consume(SSEEvent(data: ""))
        reader.consume(SSEEvent(data: "  \n "))
        #expect(reader.malformedEvents == 0)
        #expect(reader.chunkCount == 0)
    }

    @Test func streamWithoutDoneStillYieldsTheLink() {
        let (outcome, reader, _) = runContent(["视频生成成功！[点击这里](https://cdn.example.net/a.mp4)"], done: false)
        #expect(!outcome.sawDone)
        #expect(outcome.videoLink == "https://cdn.example.net/a.mp4")
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete) == nil)
    }

    @Test func bodyCutMidEventIsReportedAsPartial() {
        let bytes = Dialect.d2QueuePercentPythonEscapesCRLF.bytes
        let cutAt = bytes.count * 3 / 4  // inside event 7, the middle of the link
        let (outcome, reader, _) = runStream([Array(bytes[..<cutAt])])
        #expect(outcome.endedMidEvent)
        #expect(outcome.videoLink == nil)
        #expect(outcome.progress == 98.7)
        let failure = FailureClassifier.streamEnded(reader: reader, transportError: .cut(detail: "curl 18: transfer closed"))
        #expect(failure?.kind == .streamCut)
        #expect(failure?.params["last_progress"] == .double(98.7))
    }

    @Test func nonStreamedCompletionBodyIsReadLikeADelta() {
        var reader = ChatStreamReader()
        reader.consume(payload: #"{"id":"foaicmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"[下载视频](https://b.oss-us-west-1.aliyuncs.com/sora/u.mp4)"},"finish_reason":"stop"}]}"#)
        reader.finish()
        #expect(reader.videoLink == "https://b.oss-us-west-1.aliyuncs.com/sora/u.mp4")
    }

    @Test func structuredOutputArrayOfAForkIsAFallbackLink() {
        var reader = ChatStreamReader()
        reader.consume(payload: #"{"choices":[{"delta":{"content":"done\n","output":[{"url":"https://x.example/p.png","type":"image"},{"url":"https://x.example/v?id=9","type":"video"}]}}]}"#)
        reader.finish()
        #expect(reader.outputLinks == ["https://x.example/v?id=9"])
        #expect(reader.videoLink == "https://x.example/v?id=9")
    }

    @Test func wholeFinalContentBeingOnlyAURLIsTheLink() {
        let (drive, _, _) = runContent(["https://drive.example.com/uc?id=1AbC&export=download"])
        #expect(drive.videoLink == "https://drive.example.com/uc?id=1AbC&export=download")
        let (mp4, _, _) = runContent(["https://cdn.example.net/only.mp4\\n"])
        #expect(mp4.videoLink == "https://cdn.example.net/only.mp4")
        let (amongText, _, _) = runContent(["see https://drive.example.com/uc?id=1AbC for details"])
        #expect(amongText.videoLink == nil)  // no extension, no label
    }

    @Test func transcriptBeyondTheLimitIsDroppedAndFlagged() {
        var reader = ChatStreamReader(transcriptLimit: 10)
        reader.consume(payload: contentChunk("12345"))
        reader.consume(payload: contentChunk("123456"))
        #expect(reader.content == "12345")
        #expect(reader.transcriptTruncated)
    }

    @Test func failureNoticeWithoutModerationWordsIsKept() {
        let (outcome, reader, _) = runContent(["> ❌ 视频生成失败：任务超时\\n"])
        #expect(outcome.refusal == nil)
        #expect(reader.failureNotice == "❌ 视频生成失败：任务超时")
    }

    @Test func finishIsIdempotent() {
        var reader = runContent(["[下载视频](https://a.example/v.mp4)"]).reader
        let link = reader.videoLink
        reader.finish()
        #expect(reader.videoLink == link)
        #expect(reader.isFinished)
    }
}
