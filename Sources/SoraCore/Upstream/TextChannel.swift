/// One text channel of a chat stream (`delta.content` or `delta.reasoning_content`): joins the
/// decoded pieces, cuts them into lines, follows code fences, collects link candidates, and hands
/// each line outside code blocks to the task log.
///
/// Lines end in LF, CR or CRLF, also when the pair is split across two pieces. A line that lies
/// whole inside one piece is read in place; only an unterminated tail is kept. A tail longer than
/// `maxLineBytes` is broken at its last whitespace (or, without any, read as it is), so a stream
/// that never sends a line end cannot grow the reader.
///
/// Code fences: any ```` ``` ```` line closes an open block, else opens one. Inside a ```` ```json ````
/// block (the gateway's echo of the request) nothing counts, so the user's own prompt can never
/// look like progress, a refusal or the video link; its link candidates are kept aside and only
/// used when the block is never closed and the text is complete ("a fence never closed cannot
/// hide the only link"). Other blocks (```` ```html ```` around a `<video>` tag) only carry links.
struct TextChannel: Sendable {
    private enum Fence: Sendable { case none, json, other }

    /// Longest unterminated line kept, in bytes.
    static let maxLineBytes = 64 * 1024

    /// A high surrogate that ended the last JSON string of this channel (`JSONText.decode`).
    var pendingHighSurrogate: UInt16?
    /// Link candidates outside ```` ```json ```` blocks.
    private(set) var links: LinkCollector
    private var fencedLinks: LinkCollector
    private var fence = Fence.none
    private var carry: [UInt8] = []
    private var lastByteWasCR = false
    private let interpretsLines: Bool
    private let recordsLinks: Bool

    /// - Parameters:
    ///   - interpretsLines: hand lines to the task log (off when only the link is wanted).
    ///   - recordsLinks: keep every link candidate in order (`LinkCollector(recording:)`).
    init(interpretsLines: Bool = true, recordsLinks: Bool = false) {
        self.interpretsLines = interpretsLines
        self.recordsLinks = recordsLinks
        links = LinkCollector(recording: recordsLinks)
        fencedLinks = LinkCollector(recording: recordsLinks)
    }

    /// Appends decoded text.
    mutating func append(_ text: Bytes, log: inout TaskLogState) {
        let n = text.count
        guard n > 0 else { return }
        var i = 0
        if lastByteWasCR {
            lastByteWasCR = false
            if text[0] == 0x0A { i = 1 }
        }
        while i < n {
            var j = text.firstIndex(of: 0x0A, or: 0x0D, from: i)
            if j == n {
                carry.append(contentsOf: text.view(i..<n))
                if carry.count > Self.maxLineBytes { breakLongLine(log: &log) }
                return
            }
            if carry.isEmpty {
                line(text.view(i..<(j + 1)), terminated: true, isPartial: false, log: &log)
            } else {
                carry.append(contentsOf: text.view(i..<(j + 1)))
                var full: [UInt8] = []
                swap(&full, &carry)
                full.withUnsafeBufferPointer { line($0, terminated: true, isPartial: false, log: &log) }
                full.removeAll(keepingCapacity: true)
                swap(&full, &carry)
            }
            if text[j] == 0x0D {
                if j + 1 < n {
                    if text[j + 1] == 0x0A { j += 1 }
                } else {
                    lastByteWasCR = true
                }
            }
            i = j + 1
        }
    }

    /// Ends the text: reads the unterminated last line (as partial unless `textIsComplete`) and
    /// judges the link candidates.
    mutating func finish(textIsComplete: Bool, log: inout TaskLogState) {
        if !carry.isEmpty {
            let full = carry
            carry = []
            full.withUnsafeBufferPointer { line($0, terminated: false, isPartial: !textIsComplete, log: &log) }
        }
        lastByteWasCR = false
        links.finish(textIsComplete: textIsComplete)
        if fence == .json, textIsComplete {
            fencedLinks.finish(textIsComplete: true)
            links.appendUnclosedBlock(fencedLinks)
        }
    }

    /// An over-long unterminated line: read it up to its last whitespace (which serves as its line
    /// end), or whole when it has none.
    private mutating func breakLongLine(log: inout TaskLogState) {
        var full: [UInt8] = []
        swap(&full, &carry)
        var cut = full.count - 1
        while cut >= 0, !ASCII.isSpace(full[cut]) { cut -= 1 }
        if cut >= 0 {
            full.withUnsafeBufferPointer { line($0.view(0..<(cut + 1)), terminated: true, isPartial: false, log: &log) }
            full.removeSubrange(0...cut)
        } else {
            full.withUnsafeBufferPointer { line($0, terminated: false, isPartial: false, log: &log) }
            full.removeAll(keepingCapacity: true)
        }
        swap(&full, &carry)
    }

    /// One line, `full` with its line end byte when `terminated`.
    private mutating func line(_ full: Bytes, terminated: Bool, isPartial: Bool, log: inout TaskLogState) {
        let body = terminated ? full.view(0..<(full.count - 1)) : full
        if let opensJSON = Self.fence(body) {
            switch fence {
            case .none where opensJSON:
                fence = .json
                fencedLinks = LinkCollector(recording: recordsLinks)
            case .none:
                fence = .other
                links.add(full, present: ByteSet(full))
            case .json:
                fence = .none
            case .other:
                fence = .none
                links.add(full, present: ByteSet(full))
            }
            return
        }
        let present = ByteSet(full)
        switch fence {
        case .json:
            fencedLinks.add(full, present: present)
        case .other:
            links.add(full, present: present)
        case .none:
            links.add(full, present: present)
            if interpretsLines { log.interpret(body, present: present, isPartial: isPartial) }
        }
    }

    /// nil when the line is no code fence; else whether its info string starts with `json`.
    /// Leading spaces, tabs and `>` quote markers are ignored.
    static func fence(_ line: Bytes) -> Bool? {
        var k = 0
        while k < line.count, line[k] == 0x20 || line[k] == 0x09 || line[k] == UInt8(ascii: ">") { k += 1 }
        guard line.matches("```", at: k) else { return nil }
        k += 3
        while k < line.count, ASCII.isSpace(line[k]) { k += 1 }
        return line.matches("json", at: k)
    }
}
