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
/// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation)
/// that returns `String` events; for tests, doubles and callers that want whole events.
/// The chat reader does not use it: `ChatStreamReader.feed(_:)` frames the same grammar on bytes
/// without building a `String` per event.
///
/// Bytes may be fed in arbitrary pieces: a line end split as CR | LF across two feeds counts once,
/// UTF-8 characters may be split anywhere (an event's data is decoded only once complete), a
/// leading BOM is skipped. Unlike openai-python's decoder, a comment followed by a blank line never
/// dispatches an empty event: only a non-empty data buffer is dispatched.
///
/// Memory is bounded: a line longer than `maxLineBytes`, or an event whose data exceeds
/// `maxEventBytes`, puts the parser into a failed state (`error` is set); it then ignores all
/// further input and `feed` returns no more events. The caller treats that as a broken stream.
public struct SSEParser: Sendable {
    /// Default bound for one line and for one event's data: 8 MiB.
    public static let defaultLimit = 8 * 1024 * 1024

    private var framer: SSEFramer

    /// Longest accepted line, in bytes (excluding its line end).
    public var maxLineBytes: Int { framer.maxLineBytes }
    /// Largest accepted data buffer of one event, in bytes.
    public var maxEventBytes: Int { framer.maxEventBytes }
    /// Set when a limit was exceeded; the parser has stopped.
    public var error: SSEParserError? { framer.error }
    /// The last `retry:` value seen (milliseconds), if any.
    public var reconnectionTime: Int? { framer.reconnectionTime }
    /// Total number of bytes fed so far.
    public var bytesFed: Int { framer.bytesFed }

    /// Creates a parser with the given bounds (both default to 8 MiB).
    public init(maxLineBytes: Int = SSEParser.defaultLimit, maxEventBytes: Int = SSEParser.defaultLimit) {
        framer = SSEFramer(maxLineBytes: maxLineBytes, maxEventBytes: maxEventBytes)
    }

    /// True when the input so far does not end on an event boundary: an unterminated line, or
    /// field lines not yet followed by the blank line that dispatches them. After `finish()` it
    /// tells whether the body ended mid-event (a cut stream).
    public var hasPartialEvent: Bool { framer.hasPartialEvent }

    /// Feeds the next piece of the body and returns the events it completed, in order.
    public mutating func feed<C: Collection>(_ bytes: C) -> [SSEEvent] where C.Element == UInt8 {
        var events: [SSEEvent] = []
        let fed: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            framer.feed(buffer) { events.append(SSEEvent($0)) }
        }
        if fed == nil {
            Array(bytes).withUnsafeBufferPointer { buffer in
                framer.feed(buffer) { events.append(SSEEvent($0)) }
            }
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
        var events: [SSEEvent] = []
        framer.finish(dispatchIncomplete: dispatchIncomplete) { events.append(SSEEvent($0)) }
        return events
    }
}

extension SSEEvent {
    init(_ frame: SSEFrame) {
        self.init(data: frame.data.string,
                  event: frame.eventType.isEmpty ? nil : frame.eventType.string,
                  id: frame.lastEventID.isEmpty ? nil : frame.lastEventID.string)
    }
}
