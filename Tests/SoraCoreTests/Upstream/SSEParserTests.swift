import Testing
@testable import SoraCore

@Suite("SSEParser")
struct SSEParserTests {
    private func parse(_ text: String) -> [SSEEvent] {
        parse(Array(text.utf8))
    }

    private func parse(_ bytes: [UInt8]) -> [SSEEvent] {
        var parser = SSEParser()
        return parser.feed(bytes) + parser.finish()
    }

    private func parsePieces(_ pieces: [[UInt8]]) -> (events: [SSEEvent], parser: SSEParser) {
        var parser = SSEParser()
        var events: [SSEEvent] = []
        for piece in pieces { events += parser.feed(piece) }
        events += parser.finish()
        return (events, parser)
    }

    @Test func dataWithAndWithoutSpaceAfterColon() {
        #expect(parse("data: a\n\ndata:b\n\ndata:  c\n\n") == [
            SSEEvent(data: "a"), SSEEvent(data: "b"), SSEEvent(data: " c"),
        ])
    }

    @Test func multipleDataLinesAreJoinedWithNewline() {
        #expect(parse("data: one\ndata:two\ndata\ndata: three\n\n") == [SSEEvent(data: "one\ntwo\n\nthree")])
    }

    @Test func lfCrlfAndCrLineEndsMayBeMixed() {
        let events = parse("data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\ndata: e\n\r\n")
        #expect(events.map(\.data) == ["a", "b", "c", "d", "e"])
    }

    @Test func crAtEndOfOneFeedAndLfAtStartOfNextAreOneLineEnd() {
        var parser = SSEParser()
        var events = parser.feed(Array("data: a\r".utf8))
        events += parser.feed(Array("\ndata: b\r".utf8))
        events += parser.feed(Array("\n\r".utf8))
        events += parser.feed(Array("\n".utf8))
        #expect(events == [SSEEvent(data: "a\nb")])
        #expect(!parser.hasPartialEvent)
    }

    @Test func commentsAreIgnoredIncludingBareColon() {
        #expect(parse(": keep-alive\n:\n: ping\ndata: x\n: inside\n\n") == [SSEEvent(data: "x")])
    }

    @Test func blankLineWithoutDataDispatchesNothing() {
        #expect(parse("\n\n: ping\n\nevent: progress\n\nid: 7\n\nretry: 10\n\n").isEmpty)
    }

    @Test func emptyDataLineDispatchesAnEmptyEventAsTheStandardSays() {
        // WHATWG: a `data` line appends "" + LF, so the buffer is not empty; the reader skips it.
        #expect(parse("data:\n\n") == [SSEEvent(data: "")])
    }

    @Test func commentAndBlankLineAfterAnIDDoNotDispatchAnEmptyEvent() {
        // openai-python's SSEDecoder dispatches an empty event here (A.4); we must not.
        let events = parse("id: 1\ndata: {\"a\":1}\n\n: ping\n\n: ping\n\nid: 2\ndata: [DONE]\n\n")
        #expect(events == [SSEEvent(data: "{\"a\":1}", id: "1"), SSEEvent(data: "[DONE]", id: "2")])
    }

    @Test func lastEventIDPersistsAcrossEventsUntilChanged() {
        let events = parse("id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\u{0}y\ndata: d\n\n")
        #expect(events.map(\.id) == ["5", "5", nil, nil])
    }

    @Test func eventTypeAppliesToOneEventOnly() {
        let events = parse("event: error\ndata: boom\n\ndata: next\n\n")
        #expect(events == [SSEEvent(data: "boom", event: "error"), SSEEvent(data: "next")])
    }

    @Test func unknownFieldsAreIgnored() {
        #expect(parse("foo: bar\nDATA: nope\ndata: yes\nnonsense\n\n") == [SSEEvent(data: "yes")])
    }

    @Test func retryWithDigitsOnlyIsRecorded() {
        var parser = SSEParser()
        _ = parser.feed(Array("retry: 3000\n\nretry: 12x\n\n".utf8))
        #expect(parser.reconnectionTime == 3000)
    }

    @Test func leadingByteOrderMarkIsSkipped() {
        #expect(parse([0xEF, 0xBB, 0xBF] + Array("data: a\n\n".utf8)) == [SSEEvent(data: "a")])
    }

    @Test func byteOrderMarkSplitAcrossFeedsIsSkipped() {
        let (events, _) = parsePieces([[0xEF], [0xBB], [0xBF, 0x64], Array("ata: a\n\n".utf8)])
        #expect(events == [SSEEvent(data: "a")])
    }

    @Test func byteOrderMarkLaterInTheStreamIsData() {
        let events = parse(Array("data: a\n\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("data: b\n\n".utf8))
        #expect(events == [SSEEvent(data: "a")])  // "\u{FEFF}data" is an unknown field
    }

    @Test func utf8SplitInsideCharactersDecodesCorrectly() {
        let text = "data: 🏃 进度：36.0% ✅ 生成完成\n\n"
        let bytes = Array(text.utf8)
        for seed in 0..<20 {
            let (events, _) = parsePieces(Splitter.random(bytes, seed: UInt64(seed), maxPiece: 3))
            #expect(events == [SSEEvent(data: "🏃 进度：36.0% ✅ 生成完成")])
        }
        #expect(parsePieces(Splitter.byteByByte(bytes)).events == [SSEEvent(data: "🏃 进度：36.0% ✅ 生成完成")])
    }

    @Test func invalidUTF8IsReplacedNotFatal() {
        #expect(parse([0x64, 0x61, 0x74, 0x61, 0x3A, 0x20, 0xFF, 0x61, 0x0A, 0x0A]) == [SSEEvent(data: "\u{FFFD}a")])
    }

    @Test func eventWithoutTerminatingBlankLineIsNotDispatchedButReported() {
        var parser = SSEParser()
        #expect(parser.feed(Array("data: a\n\ndata: {\"cut\":".utf8)) == [SSEEvent(data: "a")])
        #expect(parser.hasPartialEvent)
        #expect(parser.finish().isEmpty)
        #expect(parser.hasPartialEvent)
    }

    @Test func completeLineWithoutBlankLineIsStillAPartialEvent() {
        var parser = SSEParser()
        _ = parser.feed(Array("data: [DONE]\n".utf8))
        #expect(parser.finish().isEmpty)
        #expect(parser.hasPartialEvent)
    }

    @Test func lenientFinishDispatchesTheUnterminatedLastEvent() {
        var parser = SSEParser()
        _ = parser.feed(Array("data: [DONE]".utf8))
        #expect(parser.finish(dispatchIncomplete: true) == [SSEEvent(data: "[DONE]")])
        #expect(parser.hasPartialEvent)
    }

    @Test func bodyEndingOnAnEventBoundaryIsNotPartial() {
        var parser = SSEParser()
        _ = parser.feed(Array("data: a\n\n: trailing comment\n".utf8))
        _ = parser.finish()
        #expect(!parser.hasPartialEvent)
    }

    @Test func lineOverTheLimitStopsTheParserWithAnError() {
        var parser = SSEParser(maxLineBytes: 16)
        let events = parser.feed(Array("data: ok\n\ndata: 0123456789abcdef\n\ndata: later\n\n".utf8))
        #expect(events == [SSEEvent(data: "ok")])
        #expect(parser.error == .lineTooLong(limit: 16))
        #expect(parser.feed(Array("data: more\n\n".utf8)).isEmpty)
        #expect(parser.finish().isEmpty)
        #expect(parser.hasPartialEvent)
    }

    @Test func eventDataOverTheLimitStopsTheParserWithAnError() {
        var parser = SSEParser(maxLineBytes: 100, maxEventBytes: 20)
        let events = parser.feed(Array("data: 0123456789\ndata: 0123456789\n\n".utf8))
        #expect(events.isEmpty)
        #expect(parser.error == .eventTooLarge(limit: 20))
    }

    @Test func defaultLimitIsEightMiB() {
        #expect(SSEParser.defaultLimit == 8 * 1024 * 1024)
        var parser = SSEParser()
        let line = Array("data: ".utf8) + [UInt8](repeating: 0x61, count: 1024 * 1024) + [0x0A, 0x0A]
        #expect(parser.feed(line).first?.data.count == 1024 * 1024)
        #expect(parser.error == nil)
    }

    @Test(arguments: Dialect.allCases)
    func dialectStreamsGiveIdenticalEventsHoweverTheyAreSplit(_ dialect: Dialect) {
        let bytes = dialect.bytes
        let reference = parsePieces(Splitter.whole(bytes)).events
        #expect(reference.count == dialect.expected.eventCount)
        #expect(parsePieces(Splitter.byteByByte(bytes)).events == reference)
        for seed in 1...25 {
            #expect(parsePieces(Splitter.random(bytes, seed: UInt64(seed))).events == reference, "seed \(seed)")
        }
    }

    @Test func pythonStyleStreamCarriesPersistentIDs() {
        let events = parsePieces(Splitter.whole(Dialect.d2QueuePercentPythonEscapesCRLF.bytes)).events
        #expect(events.map(\.id) == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "10"])
        #expect(events.last?.data == "[DONE]")
    }
}
