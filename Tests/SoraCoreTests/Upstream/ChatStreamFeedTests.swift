import Foundation
import Testing
@testable import SoraCore

/// The driver's path: raw body bytes into `ChatStreamReader.feed`, whatever the Content-Type.
@Suite("ChatStreamReader.feed")
struct ChatStreamFeedTests {
    // MARK: - Properties over all fixtures

    @Test(arguments: FeedFixture.allCases)
    func anySplitOfTheBodyGivesTheSameResultAsOneBuffer(_ fixture: FeedFixture) {
        let bytes = fixture.bytes
        let reference = ReaderOutcome(feedStream([bytes]))
        #expect(ReaderOutcome(feedStream(Splitter.byteByByte(bytes))) == reference)
        var generator = SeededGenerator(seed: 0x5EED)
        for seed in 0..<300 {
            let maxPiece = [1, 2, 3, 7, 16, 64, 512][Int.random(in: 0..<7, using: &generator)]
            let pieces = Splitter.random(bytes, seed: UInt64(seed) &* 7919 &+ 1, maxPiece: maxPiece)
            let outcome = ReaderOutcome(feedStream(pieces))
            #expect(outcome == reference, "seed \(seed), pieces of at most \(maxPiece) bytes")
            if outcome != reference { break }
        }
    }

    /// (Not for a UTF-8 character split between two deltas: `SSEEvent.data` is a `String`, so the
    /// event interface repairs each half on its own; the byte path joins them.)
    @Test(arguments: FeedFixture.allCases.filter { $0.isEventStream && $0 != .rawUTF8SplitAcrossChunks })
    func feedingBytesAgreesWithTheEventInterface(_ fixture: FeedFixture) {
        let fed = feedStream([fixture.bytes])
        let (outcome, consumed, _) = runStream([fixture.bytes])
        #expect(fed.videoLink == outcome.videoLink)
        #expect(fed.earlyVideoLink == outcome.earlyVideoLink)
        #expect(fed.progress == outcome.progress)
        #expect(fed.stage == outcome.stage)
        #expect(fed.phase == outcome.phase)
        #expect(fed.upstreamTaskID == outcome.upstreamTaskID)
        #expect(fed.refusal == outcome.refusal)
        #expect(fed.failureNotice == consumed.failureNotice)
        #expect(fed.streamError == outcome.streamError)
        #expect(fed.sawDone == outcome.sawDone)
        #expect(fed.finishReason == outcome.finishReason)
        #expect(fed.chunkCount == outcome.chunkCount)
        #expect(fed.malformedEvents == outcome.malformedEvents)
        #expect(fed.content == outcome.content)
        #expect(fed.reasoning == outcome.reasoning)
        #expect(fed.endedMidEvent == outcome.endedMidEvent)
        #expect(fed.bodyFormat == .eventStream)
    }

    @Test(arguments: Dialect.allCases)
    func dialectsReadThroughFeedMatchTheirExpectations(_ dialect: Dialect) {
        let expected = dialect.expected
        let reader = feedStream(Splitter.random(dialect.bytes, seed: 99, maxPiece: 5))
        #expect(reader.content == expected.content)
        #expect(reader.reasoning == expected.reasoning)
        #expect(reader.videoLink == expected.videoLink)
        #expect(reader.earlyVideoLink == expected.videoLink)
        #expect(reader.progress == expected.progress)
        #expect(reader.stage == expected.stage)
        #expect(reader.upstreamTaskID == expected.upstreamTaskID)
        #expect(reader.phase == .done)
        #expect(reader.chunkCount == expected.chunkCount)
        #expect(!reader.endedMidEvent)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete) == nil)
    }

    // MARK: - What each fixture says

    @Test func refusalAfterProgressIsModeration() {
        let reader = feedStream([FeedFixture.refusalAfterProgress.bytes])
        #expect(reader.progress == 41)
        #expect(reader.refusal == "❌ 视频生成失败：This content may violate our guardrails around violence or graphic content.")
        #expect(reader.videoLink == nil)
        #expect(reader.responseID == "c1")
        #expect(reader.responseModel == "sora_video2")
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete)?.kind == .moderation)
    }

    @Test func errorObjectMidStreamIsAnUpstreamError() {
        let reader = feedStream([FeedFixture.errorObjectMidStream.bytes])
        #expect(reader.streamError?.type == "server_error")
        #expect(reader.streamError?.code == nil)
        #expect(reader.streamError?.message.contains("\"code\": \"sentinel_block\"") == true)
        #expect(reader.progress == 37)
        #expect(reader.chunkCount == 1)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete)?.kind == .upstream)
    }

    @Test func bodyCutInsideTheLinkIsACutWithItsProgress() {
        let reader = feedStream([FeedFixture.cutInsideTheLink.bytes])
        #expect(reader.endedMidEvent)
        #expect(reader.videoLink == nil)
        #expect(reader.earlyVideoLink == nil)
        #expect(reader.progress == 98.7)
        let failure = FailureClassifier.streamEnded(reader: reader, transportError: .cut(detail: "body ended inside an event"))
        #expect(failure?.kind == .streamCut)
        #expect(failure?.params["last_progress"] == .double(98.7))
    }

    @Test func videoTagSpreadOverSeveralLinesIsFoundAsSoonAsItCloses() {
        var reader = ChatStreamReader()
        let payloads = [
            contentChunk("```html\\n<video\\n  controls\\n"),
            contentChunk("  src='https://sora2api.example.org/tmp/a1b2"),
            contentChunk("c3.mp4'>\\n</video>\\n```", finish: "STOP"),
        ]
        reader.feed(sseBody(Array(payloads[0...1])))
        #expect(reader.earlyVideoLink == nil)
        reader.feed(sseBody([payloads[2]]))
        #expect(reader.earlyVideoLink == "https://sora2api.example.org/tmp/a1b2c3.mp4")
        reader.finish()
        #expect(reader.videoLink == "https://sora2api.example.org/tmp/a1b2c3.mp4")
    }

    @Test func contentPartsAndOutputItemsAreRead() {
        let reader = feedStream([FeedFixture.contentPartsAndOutputArray.bytes])
        #expect(reader.content == "进度：5%\n生成中\ndone\n")
        #expect(reader.progress == 5)
        #expect(reader.outputLinks == ["https://x.example/v?id=9"])
        #expect(reader.videoLink == "https://x.example/v?id=9")
        #expect(reader.malformedEvents == 0)
    }

    @Test func escapesAndASurrogatePairSplitBetweenTwoChunksAreDecoded() {
        let reader = feedStream([FeedFixture.escapesAndSurrogateSplitAcrossChunks.bytes])
        #expect(reader.content == "> 🏃 进度：30%\n\n✅ [点击这里](https://a.example/sora/v.mp4?a=1&b=2) \"ok\" \\o/\t\n")
        #expect(reader.videoLink == "https://a.example/sora/v.mp4?a=1&b=2")
        #expect(reader.progress == 30)
        #expect(reader.malformedEvents == 0)
        #expect(reader.chunkCount == 4)
    }

    @Test func utf8CharacterSplitBetweenTwoDeltasIsJoined() {
        let reader = feedStream([FeedFixture.rawUTF8SplitAcrossChunks.bytes])
        #expect(reader.content.hasPrefix("> 🏃 进度：77%\n"))
        #expect(reader.progress == 77)
        #expect(reader.videoLink == "https://c.example/x.mp4")
    }

    @Test func crOnlyFramingWithFieldsCommentsAndMultiLineData() {
        let reader = feedStream([FeedFixture.crOnlyFramingWithFieldsAndMultiLineData.bytes])
        #expect(reader.progress == 64)
        #expect(reader.videoLink == "https://v.example/a.webm")
        #expect(reader.chunkCount == 2)
        #expect(reader.sawDone)
        #expect(reader.malformedEvents == 0)
    }

    @Test func crlfSplitsInFramingAndInTextCountOnce() {
        let reader = feedStream([FeedFixture.crlfMultiLineDataAndCRLFSplitBetweenDeltas.bytes])
        #expect(reader.malformedEvents == 0)
        #expect(reader.chunkCount == 2)
        #expect(reader.progress == 21)
        #expect(reader.videoLink == "https://e.example/play?id=7")  // by its label, which spans the CRLF
    }

    @Test func eventTypedErrorIsTheStreamError() {
        let reader = feedStream([Array("event: error\ndata: {\"error\":{\"message\":\"quota exceeded\",\"code\":429}}\n\n".utf8)])
        #expect(reader.streamError == GatewayError(message: "quota exceeded", code: "429"))
        #expect(reader.chunkCount == 0)
    }

    // MARK: - Non-streamed answers (issue 7 §6)

    @Test func completionBodyGivesTheLinkAndProgress() {
        var reader = ChatStreamReader()
        reader.readCompletion(body: FeedFixture.completionBody.bytes)
        #expect(reader.bodyFormat == .json)
        #expect(reader.videoLink == "https://b.oss-us-west-1.aliyuncs.com/sora/u.mp4?Expires=1&Signature=a%2Bb")
        #expect(reader.progress == 36)
        #expect(reader.stage == "✅ 视频生成成功，下载视频")
        #expect(reader.responseID == "foaicmpl-1")
        #expect(reader.sawEndOfAnswer)
        #expect(!reader.endedMidEvent)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete) == nil)
    }

    @Test func completionBodyWithARefusalIsModeration() {
        let reader = feedStream([FeedFixture.completionRefusal.bytes])
        #expect(reader.bodyFormat == .json)
        #expect(reader.refusal == "This content may violate our guardrails concerning similarity to third-party content.")
        #expect(reader.progress == 12)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete)?.kind == .moderation)
    }

    @Test func errorObjectAsA200BodyIsAnUpstreamError() {
        let reader = feedStream([FeedFixture.errorBody.bytes])
        #expect(reader.streamError?.type == "new_api_error")
        #expect(reader.streamError?.requestID == "2025112")
        #expect(reader.streamError?.param == "")
        let failure = FailureClassifier.streamEnded(reader: reader, transportError: .complete)
        #expect(failure?.kind == .upstream)
        #expect(failure?.detail?.contains("无可用渠道") == true)
    }

    @Test func completionWithoutFinishReasonOrLinkIsNoLinkNotACut() {
        let reader = feedStream([Array(#"{"choices":[{"message":{"content":"> 排队中"}}]}"#.utf8)])
        #expect(reader.sawEndOfAnswer)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete)?.kind == .noLink)
    }

    @Test func truncatedCompletionBodyIsACut() {
        let body = FeedFixture.completionBody.bytes
        let reader = feedStream([Array(body[..<(body.count - 40)])])
        #expect(reader.bodyFormat == .json)
        #expect(reader.endedMidEvent)
        #expect(reader.malformedEvents == 1)
        #expect(reader.videoLink == nil)
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .cut(detail: "body ended inside an event"))?.kind == .streamCut)
    }

    /// The same text as a stream and as one `chat.completion` gives the same results.
    @Test(arguments: Dialect.allCases)
    func completionBodyGivesTheSameResultsAsTheStream(_ dialect: Dialect) throws {
        let stream = feedStream([dialect.bytes])
        var message: [String: Any] = ["role": "assistant", "content": stream.content]
        if !stream.reasoning.isEmpty { message["reasoning_content"] = stream.reasoning }
        let object: [String: Any] = ["id": "chatcmpl-x", "object": "chat.completion",
                                     "choices": [["index": 0, "message": message, "finish_reason": "stop"]]]
        let body = try JSONSerialization.data(withJSONObject: object)
        var whole = ChatStreamReader()
        whole.readCompletion(body: Array(body))
        #expect(whole.videoLink == stream.videoLink)
        #expect(whole.progress == stream.progress)
        #expect(whole.stage == stream.stage)
        #expect(whole.phase == stream.phase)
        #expect(whole.upstreamTaskID == stream.upstreamTaskID)
        #expect(whole.refusal == stream.refusal)
        #expect(FailureClassifier.streamEnded(reader: whole, transportError: .complete) == nil)
    }

    @Test func refusalAsACompletionMatchesTheRefusalAsAStream() throws {
        let stream = feedStream([FeedFixture.refusalAfterProgress.bytes])
        let object: [String: Any] = ["choices": [["message": ["content": stream.content], "finish_reason": "stop"]]]
        var whole = ChatStreamReader()
        whole.readCompletion(body: Array(try JSONSerialization.data(withJSONObject: object)))
        #expect(whole.refusal == stream.refusal)
        #expect(whole.progress == stream.progress)
        #expect(FailureClassifier.streamEnded(reader: whole, transportError: .complete)?.kind == .moderation)
    }

    @Test func sseBodyLabelledAsTextIsStillReadAsSSE() {
        // The driver feeds every 200 body; the reader judges by the bytes, not the label.
        var reader = ChatStreamReader()
        reader.readCompletion(body: Array("\r\n\n".utf8) + Dialect.d4PlanFormMixedLineEndsNoDone.bytes)
        #expect(reader.bodyFormat == .eventStream)
        #expect(reader.videoLink == Dialect.d4PlanFormMixedLineEndsNoDone.expected.videoLink)
    }

    @Test func jsonBodyAfterBlankPiecesAndABOMIsStillJSON() {
        var reader = ChatStreamReader()
        reader.feed(Array("\n  ".utf8))
        reader.feed([0xEF, 0xBB])
        reader.feed([0xBF] + FeedFixture.completionBody.bytes)
        reader.finish()
        #expect(reader.bodyFormat == .json)
        #expect(reader.videoLink == "https://b.oss-us-west-1.aliyuncs.com/sora/u.mp4?Expires=1&Signature=a%2Bb")
    }

    // MARK: - Long streams and memory

    /// Text beyond the kept transcript is still read (the first reader stopped reading there, at
    /// 8 MiB by default): progress and the link at the end of a long stream are found, while the
    /// reader keeps only its bounded transcript.
    @Test func textBeyondTheKeptTranscriptIsStillRead() {
        var reader = ChatStreamReader(transcriptLimit: 1024)
        let filler = sseBody([contentChunk(String(repeating: "\\u003e 🏃 进度：10.0%\\n", count: 40))])
        for _ in 0..<100 { reader.feed(filler) }  // about 100 kB of text
        // The last piece does not fit in what is left of the transcript either.
        let last = String(repeating: "\\u003e 🏃 进度：10.0%\\n", count: 10)
            + "\\u003e 🏃 进度：77.7%\\n\\u003e ✅ 视频生成成功，[点击这里](https://c.example/end.mp4)\\n"
        reader.feed(sseBody([contentChunk(last, finish: "stop"), "[DONE]"]))
        reader.finish()
        #expect(reader.videoLink == "https://c.example/end.mp4")
        #expect(reader.progress == 77.7)
        #expect(reader.stage == "✅ 视频生成成功，点击这里")
        #expect(reader.transcriptTruncated)
        #expect(reader.content.utf8.count + reader.reasoning.utf8.count <= 1024)
    }

    @Test func lineWithoutLineEndsLongerThanTheLimitIsReadInPieces() {
        let words = String(repeating: "生成中 ", count: 40_000)  // 400 kB, no line end
        let noSpaces = String(repeating: "x", count: 200_000)
        let reader = feedStream([sseBody([
            contentChunk(words),
            contentChunk(noSpaces),
            contentChunk(" 进度：42% [下载视频](https://c.example/after.mp4)\\n", finish: "stop"),
        ])])
        #expect(reader.videoLink == "https://c.example/after.mp4")
        #expect(reader.progress == 42)
    }

    @Test func strayOpenBracketDelaysTheEarlyLinkButNotTheResult() {
        var reader = ChatStreamReader()
        reader.feed(sseBody([contentChunk("> [note: queued\\n"), contentChunk("[下载视频](https://c.example/v.mp4)\\n")]))
        #expect(reader.earlyVideoLink == nil)  // the label opened on the first line may still close
        reader.feed(sseBody([contentChunk("\\n", finish: "stop")]))
        #expect(reader.earlyVideoLink == "https://c.example/v.mp4")  // a blank line ends the paragraph
        reader.finish()
        #expect(reader.videoLink == "https://c.example/v.mp4")
    }

    @Test func inputAfterFinishIsIgnored() {
        var reader = feedStream([Dialect.d1TaskLogGoEscapes.bytes])
        let before = ReaderOutcome(reader)
        reader.feed(sseBody([contentChunk("[下载视频](https://c.example/late.mp4)\\n")]))
        reader.consume(payload: contentChunk("进度：99%\\n"))
        #expect(ReaderOutcome(reader) == before)
    }
}

extension ChatStreamFeedTests {
    @Test func imageSyntaxAroundTheVideoIsTheLinkAndThePosterIsNot() {
        let reader = feedStream([FeedFixture.imageSyntaxAroundTheVideo.bytes])
        #expect(reader.videoLink == "https://cdn.example.net/v/9f8e.mp4")
        #expect(reader.earlyVideoLink == "https://cdn.example.net/v/9f8e.mp4")
        #expect(FailureClassifier.streamEnded(reader: reader, transportError: .complete) == nil)
    }
}
