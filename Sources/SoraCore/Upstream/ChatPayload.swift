/// What the reader takes from one `chat.completion.chunk` payload, or from a whole non-streamed
/// `chat.completion` body: positions of the few fields it uses, found in one validating pass
/// (everything else is skipped, not built).
///
/// Lenient like the gateways: every field is optional and a field of the wrong type is ignored
/// (`choices` that is not an array, `content: 42`); only broken syntax, or a payload that is not
/// an object, makes `scan` throw. Only `choices[0]` is read, and in it `delta`, or `message` when
/// there is no `delta` object (a whole `chat.completion`).
struct ChatPayload {
    /// The top-level `error` member (A.7.2).
    enum ErrorField {
        case absent
        /// `"error": null`.
        case null
        /// `"error": "text"`.
        case string(JSONStringRef)
        /// `"error": {…}`: the object's bytes.
        case object(Range<Int>)
        /// Any other type.
        case unreadable
    }

    /// `delta.content` (or `message.content`): a string, or an array of parts with `text`.
    enum Content {
        case none
        case string(JSONStringRef)
        /// The array's bytes.
        case parts(Range<Int>)
    }

    /// The fields of `choices[0].delta` (or `.message`).
    struct Message {
        var content = Content.none
        /// `reasoning_content` (sora2api), else `reasoning` (other relays).
        var reasoningContent: JSONStringRef?
        var reasoning: JSONStringRef?
        /// A fork's structured `output: [{"url":…,"type":"video"}]` array: its bytes.
        var output: Range<Int>?
    }

    /// Top-level `id` (`chatcmpl-…`; may be empty).
    var id: JSONStringRef?
    /// Top-level `model`.
    var model: JSONStringRef?
    var error = ErrorField.absent
    /// `choices` is a non-empty array.
    var hasChoices = false
    var message: Message?
    var finishReason: JSONLenientValue?

    /// Scans one payload (already trimmed of surrounding whitespace).
    static func scan(_ bytes: Bytes) throws(JSONSyntaxError) -> ChatPayload {
        var payload = ChatPayload()
        var cursor = JSONCursor(bytes)
        try cursor.enterObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            if JSONText.equals(bytes, key, "choices") {
                try payload.scanChoices(&cursor)
            } else if JSONText.equals(bytes, key, "id") {
                payload.id = try cursor.peek() == UInt8(ascii: "\"") ? cursor.readString() : skipped(&cursor)
            } else if JSONText.equals(bytes, key, "model") {
                payload.model = try cursor.peek() == UInt8(ascii: "\"") ? cursor.readString() : skipped(&cursor)
            } else if JSONText.equals(bytes, key, "error") {
                switch cursor.peek() {
                case UInt8(ascii: "n"):
                    _ = try cursor.skipNull()
                    payload.error = .null
                case UInt8(ascii: "\""):
                    payload.error = .string(try cursor.readString())
                case UInt8(ascii: "{"):
                    let start = cursor.position
                    try cursor.skipValue()
                    payload.error = .object(start..<cursor.position)
                default:
                    try cursor.skipValue()
                    payload.error = .unreadable
                }
            } else {
                try cursor.skipValue()
            }
        }
        try cursor.finishDocument()
        return payload
    }

    private static func skipped(_ cursor: inout JSONCursor) throws(JSONSyntaxError) -> JSONStringRef? {
        try cursor.skipValue()
        return nil
    }

    private mutating func scanChoices(_ cursor: inout JSONCursor) throws(JSONSyntaxError) {
        guard cursor.peek() == UInt8(ascii: "[") else { return try cursor.skipValue() }
        try cursor.enterArray()
        var first = true
        var index = 0
        while try cursor.nextElement(&first) {
            if index == 0, cursor.peek() == UInt8(ascii: "{") {
                try scanChoice(&cursor)
            } else {
                try cursor.skipValue()
            }
            index += 1
        }
        hasChoices = index > 0
    }

    private mutating func scanChoice(_ cursor: inout JSONCursor) throws(JSONSyntaxError) {
        let bytes = cursor.bytes
        var delta: Message?
        var message: Message?
        try cursor.enterObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            if JSONText.equals(bytes, key, "delta") {
                delta = try Self.scanMessage(&cursor)
            } else if JSONText.equals(bytes, key, "message") {
                message = try Self.scanMessage(&cursor)
            } else if JSONText.equals(bytes, key, "finish_reason") {
                finishReason = try cursor.readLenient()
            } else {
                try cursor.skipValue()
            }
        }
        self.message = delta ?? message
    }

    /// The fields of a `delta` / `message` object; nil (value skipped) when it is not an object.
    private static func scanMessage(_ cursor: inout JSONCursor) throws(JSONSyntaxError) -> Message? {
        guard cursor.peek() == UInt8(ascii: "{") else {
            try cursor.skipValue()
            return nil
        }
        let bytes = cursor.bytes
        var message = Message()
        try cursor.enterObject()
        var first = true
        while let key = try cursor.nextKey(&first) {
            if JSONText.equals(bytes, key, "content") {
                switch cursor.peek() {
                case UInt8(ascii: "\""):
                    message.content = .string(try cursor.readString())
                case UInt8(ascii: "["):
                    let start = cursor.position
                    try cursor.skipValue()
                    message.content = .parts(start..<cursor.position)
                default:
                    try cursor.skipValue()
                }
            } else if JSONText.equals(bytes, key, "reasoning_content") {
                message.reasoningContent = try cursor.peek() == UInt8(ascii: "\"") ? cursor.readString() : skipped(&cursor)
            } else if JSONText.equals(bytes, key, "reasoning") {
                message.reasoning = try cursor.peek() == UInt8(ascii: "\"") ? cursor.readString() : skipped(&cursor)
            } else if JSONText.equals(bytes, key, "output") {
                let start = cursor.position
                let isArray = cursor.peek() == UInt8(ascii: "[")
                try cursor.skipValue()
                if isArray { message.output = start..<cursor.position }
            } else {
                try cursor.skipValue()
            }
        }
        return message
    }

    // MARK: - Nested arrays, read when present (rare)

    /// The decoded `text` of each object part of a content-parts array, appended to `out`.
    static func appendPartTexts(_ bytes: Bytes, parts: Range<Int>, into out: inout [UInt8],
                                pendingHighSurrogate: inout UInt16?) throws(JSONSyntaxError) {
        let view = bytes.view(parts)
        var cursor = JSONCursor(view)
        try cursor.enterArray()
        var first = true
        while try cursor.nextElement(&first) {
            guard cursor.peek() == UInt8(ascii: "{") else {
                try cursor.skipValue()
                continue
            }
            try cursor.enterObject()
            var firstKey = true
            while let key = try cursor.nextKey(&firstKey) {
                if JSONText.equals(view, key, "text"), cursor.peek() == UInt8(ascii: "\"") {
                    JSONText.decode(view, try cursor.readString(), into: &out, pendingHighSurrogate: &pendingHighSurrogate)
                } else {
                    try cursor.skipValue()
                }
            }
        }
    }

    /// The `url` of each `output` item whose `type` is absent or does not say image.
    static func outputURLs(_ bytes: Bytes, output: Range<Int>) throws(JSONSyntaxError) -> [String] {
        let view = bytes.view(output)
        var cursor = JSONCursor(view)
        var urls: [String] = []
        try cursor.enterArray()
        var first = true
        while try cursor.nextElement(&first) {
            guard cursor.peek() == UInt8(ascii: "{") else {
                try cursor.skipValue()
                continue
            }
            var url: String?
            var type: String?
            try cursor.enterObject()
            var firstKey = true
            while let key = try cursor.nextKey(&firstKey) {
                let isURL = JSONText.equals(view, key, "url")
                let isType = JSONText.equals(view, key, "type")
                if isURL || isType, cursor.peek() == UInt8(ascii: "\"") {
                    let value = JSONText.string(view, try cursor.readString())
                    if isURL { url = value } else { type = value }
                } else {
                    try cursor.skipValue()
                }
            }
            if let url, !url.isEmpty, !(type?.lowercased().contains("image") ?? false) { urls.append(url) }
        }
        return urls
    }
}
