/// One dispatched Server-Sent Event.
public struct SSEEvent: Equatable, Sendable {
    /// The `data:` lines of the event joined with `"\n"`.
    public var data: String
    /// The `event:` field, or nil when absent or empty (the default "message" type).
    public var event: String?
    /// The last event ID in effect when the event was dispatched (WHATWG: it persists across
    /// events until an `id:` line changes it); nil when empty.
    public var id: String?

    /// Creates an event (tests and doubles build them directly).
    public init(data: String, event: String? = nil, id: String? = nil) {
        self.data = data; self.event = event; self.id = id
    }
}

/// Why an `SSEParser` stopped parsing.
public enum SSEParserError: Error, Equatable, Sendable {
    /// A single line grew past the limit (bytes), without a line end.
    case lineTooLong(limit: Int)
    /// The data buffer of one event grew past the limit (bytes) before its blank line.
    case eventTooLarge(limit: Int)
}

/// Incremental parser for the WHATWG `text/event-stream` grammar
/// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
///
/// Bytes may be fed in arbitrary pieces: a line end split as CR | LF across two feeds counts once,
/// UTF-8 characters may be split anywhere (lines are decoded only once complete), a leading BOM is
/// skipped. Unlike openai-python's decoder, a comment followed by a blank line never dispatches an
/// empty event: only a non-empty data buffer is dispatched.
///
/// Memory is bounded: a line longer than `maxLineBytes`, or an event whose data exceeds
/// `maxEventBytes`, puts the parser into a failed state (`error` is set); it then ignores all
/// further input and `feed` returns no more events. The caller treats that as a broken stream.
public struct SSEParser: Sendable {
    /// Default bound for one line and for one event's data: 8 MiB.
    public static let defaultLimit = 8 * 1024 * 1024

    /// Longest accepted line, in bytes (excluding its line end).
    public let maxLineBytes: Int
    /// Largest accepted data buffer of one event, in bytes.
    public let maxEventBytes: Int

    /// Set when a limit was exceeded; the parser has stopped.
    public private(set) var error: SSEParserError?
    /// The last `retry:` value seen (milliseconds), if any.
    public private(set) var reconnectionTime: Int?
    /// Total number of bytes fed so far.
    public private(set) var bytesFed: Int = 0

    private var line: [UInt8] = []
    private var lastByteWasCR = false
    private var atStreamStart = true
    private var dataBuffer: [UInt8] = []
    private var hasDataLine = false
    private var eventType: String?
    private var lastEventID: String = ""
    /// Field lines (not comments) seen since the last blank line.
    private var fieldsPending = false
    private var finishedMidEvent: Bool?

    /// Creates a parser with the given bounds (both default to 8 MiB).
    public init(maxLineBytes: Int = SSEParser.defaultLimit, maxEventBytes: Int = SSEParser.defaultLimit) {
        self.maxLineBytes = maxLineBytes
        self.maxEventBytes = maxEventBytes
    }

    /// True when the input so far does not end on an event boundary: an unterminated line, or
    /// field lines not yet followed by the blank line that dispatches them. After `finish()` it
    /// tells whether the body ended mid-event (a cut stream).
    public var hasPartialEvent: Bool {
        finishedMidEvent ?? (!line.isEmpty || fieldsPending)
    }

    /// Feeds the next piece of the body and returns the events it completed, in order.
    public mutating func feed<C: Collection>(_ bytes: C) -> [SSEEvent] where C.Element == UInt8 {
        guard error == nil, finishedMidEvent == nil else { return [] }
        var events: [SSEEvent] = []
        bytesFed += bytes.count
        for byte in bytes {
            switch byte {
            case 0x0A:  // LF
                if lastByteWasCR {
                    lastByteWasCR = false  // second half of CRLF: the line already ended
                    continue
                }
                endLine(into: &events)
            case 0x0D:  // CR
                lastByteWasCR = true
                endLine(into: &events)
            default:
                lastByteWasCR = false
                if line.count >= maxLineBytes {
                    fail(.lineTooLong(limit: maxLineBytes))
                    return events
                }
                line.append(byte)
            }
            if error != nil { return events }
        }
        return events
    }

    /// Signals the end of the body. Per the standard, an event without its terminating blank line
    /// is discarded (so this returns no events unless `dispatchIncomplete` is true);
    /// `hasPartialEvent` then records whether the body ended mid-event.
    ///
    /// - Parameter dispatchIncomplete: lenient mode: treat the end of the body as a line end plus a
    ///   blank line, so a last event whose blank line never came is still returned.
    public mutating func finish(dispatchIncomplete: Bool = false) -> [SSEEvent] {
        guard finishedMidEvent == nil else { return [] }
        let midEvent = error != nil ? true : hasPartialEvent
        var events: [SSEEvent] = []
        if dispatchIncomplete && error == nil {
            if !line.isEmpty { endLine(into: &events) }
            if error == nil { dispatch(into: &events) }
        }
        finishedMidEvent = midEvent
        line = []
        dataBuffer = []
        return events
    }

    // MARK: - Line interpretation

    private mutating func fail(_ reason: SSEParserError) {
        error = reason
        line = []
        dataBuffer = []
    }

    private mutating func endLine(into events: inout [SSEEvent]) {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if atStreamStart {
            atStreamStart = false
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty {
            dispatch(into: &events)
            return
        }
        if bytes.first == 0x3A { return }  // ":" comment
        let name: ArraySlice<UInt8>
        var value: ArraySlice<UInt8>
        if let colon = bytes.firstIndex(of: 0x3A) {
            name = bytes[..<colon]
            value = bytes[(colon + 1)...]
            if value.first == 0x20 { value = value.dropFirst() }
        } else {
            name = bytes
            value = []
        }
        fieldsPending = true
        switch String(decoding: name, as: UTF8.self) {
        case "data":
            if dataBuffer.count + value.count + 1 > maxEventBytes {
                fail(.eventTooLarge(limit: maxEventBytes))
                return
            }
            if hasDataLine { dataBuffer.append(0x0A) }
            dataBuffer.append(contentsOf: value)
            hasDataLine = true
        case "event":
            eventType = String(decoding: value, as: UTF8.self)
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ (0x30...0x39).contains($0) }),
               let ms = Int(String(decoding: value, as: UTF8.self)) {
                reconnectionTime = ms
            }
        default:
            break  // unknown fields are ignored
        }
    }

    /// A blank line: dispatch the pending event if its data buffer is non-empty in the WHATWG
    /// sense (at least one `data` line was seen), then reset the per-event buffers.
    private mutating func dispatch(into events: inout [SSEEvent]) {
        defer {
            dataBuffer.removeAll(keepingCapacity: true)
            hasDataLine = false
            eventType = nil
            fieldsPending = false
        }
        guard hasDataLine else { return }
        let type = (eventType?.isEmpty ?? true) ? nil : eventType
        events.append(SSEEvent(data: String(decoding: dataBuffer, as: UTF8.self),
                               event: type,
                               id: lastEventID.isEmpty ? nil : lastEventID))
    }
}
