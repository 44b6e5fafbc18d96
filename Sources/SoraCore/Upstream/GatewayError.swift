#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// An error reported by the gateway, either as the JSON body of a non-200 answer
/// (upstream-protocols.md A.7.1) or as an `{"error":{…}}` payload inside the stream (A.7.2).
///
/// Decoding is lenient: `code` and `param` may be strings, numbers, booleans or null; `message`
/// may be missing; the error may be a bare string (`{"error":"…"}`).
public struct GatewayError: Codable, Sendable, Equatable {
    /// Human-readable message, as sent (new-api appends ` (request id: …)`).
    public var message: String
    /// `type`, e.g. `new_api_error`, `one_api_error`, `server_error`.
    public var type: String?
    /// `code`, rendered as a string (`"model_not_found"`, `"429"`).
    public var code: String?
    /// `param`, rendered as a string.
    public var param: String?

    /// Creates an error from its parts.
    public init(message: String, type: String? = nil, code: String? = nil, param: String? = nil) {
        self.message = message; self.type = type; self.code = code; self.param = param
    }

    enum CodingKeys: String, CodingKey { case message, type, code, param }

    /// Decodes an error object, or a bare string as the message.
    public init(from decoder: Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            self.init(message: text)
            return
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(message: c.lenientString(.message) ?? "", type: c.lenientString(.type),
                  code: c.lenientString(.code), param: c.lenientString(.param))
    }

    /// Reads an `{"error":{…}}` object of a stream payload (already validated by the chunk scan)
    /// without `JSONDecoder`: `message`, `type`, `code` and `param`, each leniently (a number or
    /// boolean as written, null or a container as absent).
    init(jsonObject bytes: Bytes) {
        var fields: [String: String] = [:]
        var cursor = JSONCursor(bytes)
        do {
            try cursor.enterObject()
            var first = true
            while let key = try cursor.nextKey(&first) {
                let name = JSONText.string(bytes, key)
                let value = try cursor.readLenient()
                if ["message", "type", "code", "param"].contains(name) { fields[name] = JSONText.text(bytes, value) }
            }
        } catch {
            self.init(message: "unreadable error object")
            return
        }
        self.init(message: fields["message"] ?? "", type: fields["type"], code: fields["code"], param: fields["param"])
    }

    /// The request id new-api appends to `message` (`… (request id: 2025112…)`), if any.
    public var requestID: String? {
        guard let range = message.range(ofIgnoringCase: "(request id:", last: true) else { return nil }
        let rest = message[range.upperBound...]
        guard let close = rest.firstIndex(of: ")") else { return nil }
        let id = rest[..<close].trimmed
        return id.isEmpty ? nil : id
    }

    /// `message` without the trailing ` (request id: …)`.
    public var plainMessage: String {
        guard let range = message.range(ofIgnoringCase: "(request id:", last: true) else {
            return message.trimmed
        }
        return message[..<range.lowerBound].trimmed
    }

    /// Longest message kept from a plain-text or HTML body.
    static let maxTextMessage = 500

    /// Parses the body of a non-200 answer: `{"error":{…}}`, `{"error":"…"}`, a top-level
    /// `{"message":…}` / `{"detail":…}` / `{"msg":…}` object, a JSON string, or anything else as
    /// text (HTML reduced to its `<title>` or its text, whitespace collapsed, cut to 500
    /// characters). Nil only for a body that is empty or blank.
    public static func parse(body: [UInt8]) -> GatewayError? {
        let data = Data(body)
        if let envelope = try? JSONDecoder().decode(Envelope.self, from: data) {
            if let error = envelope.error { return error }
            if let message = envelope.message ?? envelope.detail ?? envelope.msg {
                return GatewayError(message: message, type: envelope.type, code: envelope.code)
            }
        } else if let text = try? JSONDecoder().decode(String.self, from: data) {
            let trimmed = text.trimmed
            return trimmed.isEmpty ? nil : GatewayError(message: trimmed)
        }
        let text = plainText(String(decoding: body, as: UTF8.self))
        return text.isEmpty ? nil : GatewayError(message: text)
    }

    /// Text of a non-JSON body: HTML tags removed (the `<title>` preferred), whitespace collapsed.
    static func plainText(_ raw: String) -> String {
        var text = raw
        let lower = raw.lowercased()
        if lower.contains("<html") || lower.contains("<body") || lower.contains("<title") {
            if let open = raw.range(ofIgnoringCase: "<title>"),
               let close = raw[open.upperBound...].range(ofIgnoringCase: "</title>") {
                text = String(raw[open.upperBound..<close.lowerBound])
            } else {
                var stripped = ""
                var inTag = false
                for ch in raw {
                    if ch == "<" { inTag = true } else if ch == ">" { inTag = false; stripped.append(" ") } else if !inTag { stripped.append(ch) }
                }
                text = stripped
            }
        }
        let collapsed = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return collapsed.count > maxTextMessage ? String(collapsed.prefix(maxTextMessage)) + "…" : collapsed
    }

    /// The top-level shapes a gateway error body comes in.
    private struct Envelope: Decodable {
        var error: GatewayError?
        var message: String?
        var detail: String?
        var msg: String?
        var type: String?
        var code: String?

        enum CodingKeys: String, CodingKey { case error, message, detail, msg, type, code }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            error = try? c.decodeIfPresent(GatewayError.self, forKey: .error)
            message = c.lenientString(.message)
            detail = c.lenientString(.detail)
            msg = c.lenientString(.msg)
            type = c.lenientString(.type)
            code = c.lenientString(.code)
        }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key` as a string whatever its JSON type (string, integer, number, boolean);
    /// nil when missing, null, or an object/array.
    func lenientString(_ key: Key) -> String? {
        if let s = try? decodeIfPresent(String.self, forKey: key) { return s }
        if let i = try? decodeIfPresent(Int64.self, forKey: key) { return String(i) }
        if let d = try? decodeIfPresent(Double.self, forKey: key) { return String(d) }
        if let b = try? decodeIfPresent(Bool.self, forKey: key) { return String(b) }
        return nil
    }
}
