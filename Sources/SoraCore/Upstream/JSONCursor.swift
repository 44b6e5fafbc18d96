/// The payload is not well-formed JSON, or nests deeper than `JSONCursor.maxDepth`.
struct JSONSyntaxError: Error {}

/// A JSON string in a payload: the bytes between its quotes, not yet decoded.
struct JSONStringRef: Sendable {
    /// Offsets of the raw bytes between the quotes.
    var range: Range<Int>
    /// The raw bytes contain backslash escapes (else they are the decoded UTF-8 as is).
    var hasEscapes: Bool
}

/// A value read leniently where gateways disagree on the type (`finish_reason`, `code`).
enum JSONLenientValue: Sendable {
    case string(JSONStringRef)
    /// A number or boolean, as written.
    case literal(Range<Int>)
    case null
    /// An object or array (skipped).
    case composite
}

/// A forward-only, validating cursor over one JSON document in a byte buffer (RFC 8259).
///
/// It never builds values: callers walk the members they care about (`enterObject` /
/// `nextKey`, `enterArray` / `nextElement`) and `skipValue` the rest, which still checks the
/// syntax, so a payload is either read completely or rejected. Strings are returned as positions
/// (`JSONStringRef`) and decoded by `JSONText` only when used. Lenient on two points: raw control
/// characters inside strings are accepted (some relays send raw tabs), and UTF-8 inside strings is
/// not checked here (text is repaired when it becomes a `String`).
struct JSONCursor {
    /// Deepest nesting accepted (recursion bound).
    static let maxDepth = 64

    let bytes: Bytes
    private(set) var position = 0
    private var depth = 0

    init(_ bytes: Bytes) { self.bytes = bytes }

    /// The next non-whitespace byte, not consumed; nil at the end.
    @inline(__always) mutating func peek() -> UInt8? {
        while position < bytes.count {
            let b = bytes[position]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return b }
            position += 1
        }
        return nil
    }

    /// Checks that only whitespace remains.
    mutating func finishDocument() throws(JSONSyntaxError) {
        guard peek() == nil else { throw JSONSyntaxError() }
    }

    // MARK: - Containers

    /// Consumes `{`.
    mutating func enterObject() throws(JSONSyntaxError) {
        guard peek() == UInt8(ascii: "{") else { throw JSONSyntaxError() }
        try descend()
    }

    /// The next member's key, with the cursor on its value; nil (and the object left) at `}`.
    /// `isFirst` starts true for each object.
    @inline(__always) mutating func nextKey(_ isFirst: inout Bool) throws(JSONSyntaxError) -> JSONStringRef? {
        let b = peek()
        if b == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return nil
        }
        if isFirst {
            isFirst = false
        } else {
            guard b == UInt8(ascii: ",") else { throw JSONSyntaxError() }
            position += 1
        }
        let key = try readString()
        guard peek() == UInt8(ascii: ":") else { throw JSONSyntaxError() }
        position += 1
        return key
    }

    /// Consumes `[`.
    mutating func enterArray() throws(JSONSyntaxError) {
        guard peek() == UInt8(ascii: "[") else { throw JSONSyntaxError() }
        try descend()
    }

    /// True with the cursor on the next element; false (and the array left) at `]`.
    mutating func nextElement(_ isFirst: inout Bool) throws(JSONSyntaxError) -> Bool {
        let b = peek()
        if b == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return false
        }
        if isFirst {
            isFirst = false
        } else {
            guard b == UInt8(ascii: ",") else { throw JSONSyntaxError() }
            position += 1
        }
        return true
    }

    private mutating func descend() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw JSONSyntaxError() }
        position += 1
    }

    // MARK: - Values

    /// Reads a string (the cursor must be on its opening quote, whitespace aside).
    @inline(__always) mutating func readString() throws(JSONSyntaxError) -> JSONStringRef {
        guard peek() == UInt8(ascii: "\"") else { throw JSONSyntaxError() }
        position += 1
        let start = position
        var escapes = false
        let n = bytes.count
        while position < n {
            position = bytes.firstIndex(of: UInt8(ascii: "\""), or: UInt8(ascii: "\\"), from: position)
            guard position < n else { break }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                defer { position += 1 }
                return JSONStringRef(range: start..<position, hasEscapes: escapes)
            }
            if b == UInt8(ascii: "\\") {
                escapes = true
                guard position + 1 < n else { throw JSONSyntaxError() }
                switch bytes[position + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                     UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 2
                case UInt8(ascii: "u"):
                    guard position + 6 <= n, JSONText.hex4(bytes, at: position + 2) != nil else { throw JSONSyntaxError() }
                    position += 6
                default:
                    throw JSONSyntaxError()
                }
                continue
            }
        }
        throw JSONSyntaxError()
    }

    /// Skips one value of any type, checking its syntax.
    mutating func skipValue() throws(JSONSyntaxError) {
        switch peek() {
        case UInt8(ascii: "{"):
            try enterObject()
            var first = true
            while try nextKey(&first) != nil { try skipValue() }
        case UInt8(ascii: "["):
            try enterArray()
            var first = true
            while try nextElement(&first) { try skipValue() }
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            _ = try readLiteral()
        default:
            _ = try readNumber()
        }
    }

    /// Reads a string as such, a number or boolean as its text, null, or skips a container.
    mutating func readLenient() throws(JSONSyntaxError) -> JSONLenientValue {
        switch peek() {
        case UInt8(ascii: "\""):
            return .string(try readString())
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            try skipValue()
            return .composite
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            let range = try readLiteral()
            return bytes[range.lowerBound] == UInt8(ascii: "n") ? .null : .literal(range)
        default:
            return .literal(try readNumber())
        }
    }

    /// Whether the next value is `null` (consumed if so).
    mutating func skipNull() throws(JSONSyntaxError) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        _ = try readLiteral()
        return true
    }

    private mutating func readLiteral() throws(JSONSyntaxError) -> Range<Int> {
        let start = position
        let word: StaticString
        switch bytes[position] {
        case UInt8(ascii: "t"): word = "true"
        case UInt8(ascii: "f"): word = "false"
        default: word = "null"
        }
        let length = word.utf8CodeUnitCount
        guard start + length <= bytes.count, bytes.view(start..<(start + length)).equals(word) else { throw JSONSyntaxError() }
        position += length
        return start..<position
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func readNumber() throws(JSONSyntaxError) -> Range<Int> {
        let start = position
        let n = bytes.count
        if position < n, bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < n, ASCII.isDigit(bytes[position]) else { throw JSONSyntaxError() }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < n, ASCII.isDigit(bytes[position]) { position += 1 }
        }
        if position < n, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < n, ASCII.isDigit(bytes[position]) else { throw JSONSyntaxError() }
            while position < n, ASCII.isDigit(bytes[position]) { position += 1 }
        }
        if position < n, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            if position < n, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < n, ASCII.isDigit(bytes[position]) else { throw JSONSyntaxError() }
            while position < n, ASCII.isDigit(bytes[position]) { position += 1 }
        }
        return start..<position
    }
}
