/// One dispatched event as views of the framer's buffers, valid only during the dispatch call.
struct SSEFrame {
    /// The `data:` lines joined with LF.
    var data: Bytes
    /// The `event:` field of this event; empty when absent.
    var eventType: Bytes
    /// The last event ID in effect (it persists across events); empty when none.
    var lastEventID: Bytes
}

/// Byte-level framing of `text/event-stream` by the WHATWG rules
/// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation),
/// shared by `SSEParser` (which makes `String` events) and `ChatStreamReader` (which never does).
///
/// Lines end in LF, CRLF or CR, and a CR | LF pair split across two feeds counts once. A line
/// that lies whole inside one feed is read in place; only the unterminated tail of a feed is
/// copied, so a UTF-8 character or a CRLF cut by a socket read costs nothing special. A leading
/// BOM is skipped; a comment followed by a blank line dispatches nothing (only a non-empty data
/// buffer is dispatched), unlike openai-python's decoder.
///
/// Memory is bounded: a line longer than `maxLineBytes` or an event whose data exceeds
/// `maxEventBytes` sets `error`, after which all input is ignored.
struct SSEFramer: Sendable {
    let maxLineBytes: Int
    let maxEventBytes: Int

    private(set) var error: SSEParserError?
    private(set) var reconnectionTime: Int?
    private(set) var bytesFed = 0
    /// Set by `finish`: whether the body ended mid-event.
    private(set) var finishedMidEvent: Bool?

    private var carry: [UInt8] = []
    private var lastByteWasCR = false
    private var atStreamStart = true
    private var data: [UInt8] = []
    private var hasDataLine = false
    private var eventType: [UInt8] = []
    private var lastEventID: [UInt8] = []
    /// Field lines (not comments) seen since the last blank line.
    private var fieldsPending = false

    init(maxLineBytes: Int, maxEventBytes: Int) {
        self.maxLineBytes = maxLineBytes
        self.maxEventBytes = maxEventBytes
    }

    /// True when the input so far does not end on an event boundary (an unterminated line, or
    /// fields not yet dispatched by a blank line); after `finish`, whether the body ended mid-event.
    var hasPartialEvent: Bool { finishedMidEvent ?? (!carry.isEmpty || fieldsPending) }

    /// Frames the next piece of the body, calling `dispatch` for each completed event in order.
    mutating func feed(_ input: Bytes, _ dispatch: (SSEFrame) -> Void) {
        guard error == nil, finishedMidEvent == nil, !input.isEmpty else { return }
        bytesFed += input.count
        let n = input.count
        var i = 0
        if lastByteWasCR {
            lastByteWasCR = false
            if input[0] == 0x0A { i = 1 }  // second half of a CRLF split across feeds
        }
        // The usual event is one `data:` line that lies whole in `input`: it is dispatched from
        // there, and copied only if the feed ends before its blank line.
        var dataInInput: Bytes?
        defer { if let pending = dataInInput { data.append(contentsOf: pending) } }
        while i < n {
            var j = input.firstIndex(of: 0x0A, or: 0x0D, from: i)
            if carry.count + (j - i) > maxLineBytes {
                fail(.lineTooLong(limit: maxLineBytes))
                dataInInput = nil
                return
            }
            if j == n {
                carry.append(contentsOf: input.view(i..<n))
                return
            }
            if carry.isEmpty {
                interpretLine(input.view(i..<j), isInInput: true, dataInInput: &dataInInput, dispatch)
            } else {
                carry.append(contentsOf: input.view(i..<j))
                var line: [UInt8] = []
                swap(&line, &carry)
                line.withUnsafeBufferPointer { interpretLine($0, isInInput: false, dataInInput: &dataInInput, dispatch) }
                line.removeAll(keepingCapacity: true)
                swap(&line, &carry)
            }
            if error != nil {
                dataInInput = nil
                return
            }
            if input[j] == 0x0D {
                if j + 1 < n {
                    if input[j + 1] == 0x0A { j += 1 }
                } else {
                    lastByteWasCR = true
                }
            }
            i = j + 1
        }
    }

    /// Ends the body. Per the standard an event without its blank line is discarded, unless
    /// `dispatchIncomplete` treats the end of the body as a line end plus a blank line.
    mutating func finish(dispatchIncomplete: Bool, _ dispatch: (SSEFrame) -> Void) {
        guard finishedMidEvent == nil else { return }
        let midEvent = error != nil ? true : hasPartialEvent
        if dispatchIncomplete && error == nil {
            var none: Bytes?
            if !carry.isEmpty {
                let line = carry
                carry = []
                line.withUnsafeBufferPointer { interpretLine($0, isInInput: false, dataInInput: &none, dispatch) }
            }
            if error == nil { dispatchEvent(&none, dispatch) }
        }
        finishedMidEvent = midEvent
        carry = []
        data = []
    }

    // MARK: - Lines

    private mutating func fail(_ reason: SSEParserError) {
        error = reason
        carry = []
        data = []
    }

    /// Reads one line. The first `data:` line of an event that lies in the caller's input
    /// (`isInInput`) is only noted in `dataInInput`; anything else is copied into `data`.
    private mutating func interpretLine(_ raw: Bytes, isInInput: Bool, dataInInput: inout Bytes?,
                                        _ dispatch: (SSEFrame) -> Void) {
        var line = raw
        if atStreamStart {
            atStreamStart = false
            if line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF { line = line.view(3..<line.count) }
        }
        if line.isEmpty {
            dispatchEvent(&dataInInput, dispatch)
            return
        }
        if line[0] == 0x3A { return }  // ":" comment
        let name: Bytes
        let value: Bytes
        if let colon = line.firstIndex(of: 0x3A) {
            name = line.view(0..<colon)
            let valueStart = colon + 1 < line.count && line[colon + 1] == 0x20 ? colon + 2 : colon + 1
            value = line.view(valueStart..<line.count)
        } else {
            name = line
            value = line.view(line.count..<line.count)
        }
        fieldsPending = true
        if name.equals("data") {
            if (dataInInput?.count ?? data.count) + value.count + 1 > maxEventBytes {
                fail(.eventTooLarge(limit: maxEventBytes))
                dataInInput = nil
                return
            }
            if !hasDataLine, isInInput {
                dataInInput = value
                hasDataLine = true
                return
            }
            if let pending = dataInInput {
                data.append(contentsOf: pending)
                dataInInput = nil
            }
            if hasDataLine { data.append(0x0A) }
            data.append(contentsOf: value)
            hasDataLine = true
        } else if name.equals("event") {
            eventType.removeAll(keepingCapacity: true)
            eventType.append(contentsOf: value)
        } else if name.equals("id") {
            if !value.contains(0) {
                lastEventID.removeAll(keepingCapacity: true)
                lastEventID.append(contentsOf: value)
            }
        } else if name.equals("retry") {
            if !value.isEmpty, value.count <= 18, value.allSatisfy(ASCII.isDigit) {
                reconnectionTime = value.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            }
        }
        // Unknown fields are ignored.
    }

    /// A blank line: dispatch the pending event if at least one `data` line was seen, then reset
    /// the per-event buffers.
    private mutating func dispatchEvent(_ dataInInput: inout Bytes?, _ dispatch: (SSEFrame) -> Void) {
        if let pending = dataInInput {
            dataInInput = nil
            eventType.withUnsafeBufferPointer { t in
                lastEventID.withUnsafeBufferPointer { id in
                    dispatch(SSEFrame(data: pending, eventType: t, lastEventID: id))
                }
            }
        } else if hasDataLine {
            data.withUnsafeBufferPointer { d in
                eventType.withUnsafeBufferPointer { t in
                    lastEventID.withUnsafeBufferPointer { id in
                        dispatch(SSEFrame(data: d, eventType: t, lastEventID: id))
                    }
                }
            }
        }
        if !data.isEmpty { data.removeAll(keepingCapacity: true) }
        hasDataLine = false
        if !eventType.isEmpty { eventType.removeAll(keepingCapacity: true) }
        fieldsPending = false
    }
}
