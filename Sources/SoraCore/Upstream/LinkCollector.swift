/// Collects link candidates from text fed line by line, in bounded memory.
///
/// Most lines are scanned in place and forgotten. Only a construct still open at the end of a
/// line (a Markdown label or a `<video>` tag that continues on the next line) is kept, from its
/// start, in a window that is scanned again with the next line. The window is bounded
/// (`maxWindowBytes`, `maxWindowLines`): past that the open construct is judged as if the text
/// ended there. So memory does not grow with the length of the stream, while a link split across
/// chunks is still seen whole (lines are assembled before they get here).
struct LinkCollector: Sendable {
    /// Most bytes kept for an open construct.
    static let maxWindowBytes = 64 * 1024
    /// Most lines an open construct may span before it is judged.
    static let maxWindowLines = 256

    private(set) var summary = CandidateSummary()
    private var window: [UInt8] = []
    private var windowLines = 0
    /// The byte before `window[0]` (look-behind of a bare URL start).
    private var before: UInt8 = 0x0A
    private var spans: [LinkSpan] = []

    /// - Parameter recording: also keep every candidate in order (`summary.candidates`).
    init(recording: Bool = false) {
        if recording {
            summary.recordedStructured = []
            summary.recordedBare = []
        }
    }

    /// Adds one line with its line end (LF or CR; none for the unterminated end of the text);
    /// `present` is the line's byte set.
    mutating func add(_ line: Bytes, present: ByteSet) {
        guard !line.isEmpty else { return }
        if window.isEmpty, !present.mayHoldLinks {
            // No construct can start here: only the "other text" check needs the bytes.
            if !summary.hasOtherText { summary.hasOtherText = Self.hasNonSpace(line, 0..<line.count) }
            before = line[line.count - 1]
            return
        }
        if window.isEmpty {
            let resume = scan(line, mode: .streaming)
            if resume < line.count {
                if resume > 0 { before = line[resume - 1] }
                window.append(contentsOf: line.view(resume..<line.count))
                windowLines = 1
            } else {
                before = line[line.count - 1]
            }
            return
        }
        var text: [UInt8] = []
        swap(&text, &window)
        text.append(contentsOf: line)
        windowLines += 1
        let resume = text.withUnsafeBufferPointer { scan($0, mode: .streaming) }
        if resume > 0 {
            before = text[resume - 1]
            text.removeSubrange(0..<resume)
        }
        if !text.isEmpty, text.count > Self.maxWindowBytes || windowLines > Self.maxWindowLines {
            _ = text.withUnsafeBufferPointer { scan($0, mode: .complete) }
            before = text[text.count - 1]
            text.removeAll(keepingCapacity: true)
        }
        if text.isEmpty { windowLines = 0 }
        swap(&text, &window)
    }

    /// Ends the text: judges a construct still open, as cut short unless `textIsComplete`.
    mutating func finish(textIsComplete: Bool) {
        guard !window.isEmpty else { return }
        let text = window
        window = []
        windowLines = 0
        _ = text.withUnsafeBufferPointer { scan($0, mode: textIsComplete ? .complete : .incomplete) }
    }

    /// Adds the (finished) candidates of a ```` ```json ```` block that was never closed, which
    /// followed this collector's text; its fence line is visible text.
    mutating func appendUnclosedBlock(_ block: LinkCollector) {
        summary.append(block.summary)
        summary.hasOtherText = true
    }

    /// Scans `s` and takes the decided spans into the summary; returns where the scan stopped.
    private mutating func scan(_ s: Bytes, mode: LinkScanner.Mode) -> Int {
        if !spans.isEmpty { spans.removeAll(keepingCapacity: true) }
        let end = LinkScanner.scan(s, before: before, mode: mode, makeURLs: true, into: &spans)
        if !summary.hasOtherText {
            var k = 0
            for span in spans where span.kind == .bare && span.url != nil {
                if Self.hasNonSpace(s, k..<span.range.lowerBound) { break }
                k = span.range.upperBound
            }
            summary.hasOtherText = Self.hasNonSpace(s, k..<end)
        }
        for span in spans { summary.add(span, in: s) }
        return end
    }

    private static func hasNonSpace(_ s: Bytes, _ range: Range<Int>) -> Bool {
        for k in range where !ASCII.isSpace(s[k]) { return true }
        return false
    }
}
