#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A validated generate request (docs/contract.md §3). Built only by `GenerateInput.parse`, which
/// rejects everything the upstream would refuse or that could cost money for nothing.
public struct GenerateInput: Sendable, Equatable {
    public var model: VideoModel
    public var prompt: String
    /// Every parameter for the mode, defaults filled in.
    public var params: [String: JSONScalar]
    public var firstFrame: FrameValue?
    public var lastFrame: FrameValue?
    /// Reuse the frames of this job (Regenerate); resolved by the router.
    public var imagesFrom: String?

    public var mode: GenerationMode {
        firstFrame == nil ? .textToVideo : lastFrame == nil ? .imageToVideo : .firstLastFrame
    }
}

/// A frame as sent: decoded bytes, or an https URL.
public enum FrameValue: Sendable, Equatable {
    case image(DecodedImage)
    case url(String)
}

/// An uploaded frame, type taken from its magic bytes (never from the declared type).
public struct DecodedImage: Sendable, Equatable {
    public var bytes: [UInt8]
    public var mime: String
    public var fileExtension: String
    public init(bytes: [UInt8], mime: String, fileExtension: String) { self.bytes = bytes; self.mime = mime; self.fileExtension = fileExtension }
}

/// Limits that validation enforces (from `Config`).
public struct GenerateLimits: Sendable {
    /// Unicode scalars (not grapheme clusters: "a" + 20,000 combining marks is 20,001).
    public var maxPromptLength: Int
    public var maxImageBytes: Int
    /// UTF-8 bytes of the prompt.
    public var maxPromptBytes: Int { maxPromptLength * 4 }
    public init(maxPromptLength: Int, maxImageBytes: Int) {
        self.maxPromptLength = maxPromptLength; self.maxImageBytes = maxImageBytes
    }
}

extension GenerateInput {
    /// Validates the JSON body of `POST /api/generate`. Unknown top-level fields are ignored;
    /// `null` and `""` count as absent for the optional ones. Unknown *parameters* are refused.
    public static func parse(body: [UInt8], catalog: ModelCatalog, limits: GenerateLimits) throws(APIError) -> GenerateInput {
        guard let json = JSONValue.parse(body), case .object(let obj) = json else {
            throw APIError(400, "invalid_json", "the body must be a JSON object")
        }
        func optionalString(_ key: String) throws(APIError) -> String? {
            switch obj[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s.isEmpty ? nil : s
            default: throw APIError(400, "invalid_field", "\(key) must be a string", params: ["field": .string(key)])
            }
        }
        guard let modelID = try optionalString("model") else {
            throw APIError(400, "unknown_model", "model is required; see GET /api/models")
        }
        guard let model = catalog.model(id: modelID) else {
            throw APIError(400, "unknown_model", "unknown model \"\(modelID.prefix(60))\"; see GET /api/models",
                           params: ["model": .string(String(modelID.prefix(60)))])
        }
        if model.retired {
            throw APIError(400, "model_retired", "model \(model.id) is retired",
                           params: ["model": .string(model.id), "replaced_by": .string(model.replacedBy.joined(separator: ","))])
        }
        guard case .string(let rawPrompt)? = obj["prompt"] else { throw APIError(400, "prompt_empty", "prompt is required") }
        let prompt = rawPrompt.trimmed
        if prompt.isEmpty { throw APIError(400, "prompt_empty", "prompt is empty") }
        let scalars = prompt.unicodeScalars.count
        if scalars > limits.maxPromptLength || prompt.utf8.count > limits.maxPromptBytes {
            throw APIError(400, "prompt_too_long", "prompt has \(scalars) characters; the limit is \(limits.maxPromptLength)",
                           params: ["length": .int(Int64(scalars)), "max": .int(Int64(limits.maxPromptLength))])
        }

        var first = try frame(dataURI: optionalString("first_frame_base64"), url: optionalString("image_url"),
                              field: "first_frame", maxBytes: limits.maxImageBytes)
        var last = try frame(dataURI: optionalString("last_frame_base64"), url: optionalString("last_frame_url"),
                             field: "last_frame", maxBytes: limits.maxImageBytes)
        let imagesFrom = try optionalString("images_from")
        if let imagesFrom {
            guard JobID.isValid(imagesFrom) else { throw APIError(400, "images_from_invalid", "images_from is not a job id") }
            guard first == nil, last == nil else {
                throw APIError(400, "image_conflict", "send images_from or images, not both")
            }
            // Placeholders until the router loads that job's frames: the mode is checked then.
            first = nil; last = nil
        }
        if last != nil && first == nil {
            throw APIError(400, "last_frame_without_first", "a last frame needs a first frame")
        }
        var input = GenerateInput(model: model, prompt: prompt, params: [:], firstFrame: first, lastFrame: last, imagesFrom: imagesFrom)
        if imagesFrom == nil { try input.checkMode() }
        input.params = try resolveParams(obj, model: model, mode: input.mode)
        return input
    }

    /// Refuses a mode the model does not take.
    public mutating func checkMode() throws(APIError) {
        if !model.modes.contains(mode) {
            throw APIError(400, "mode_unsupported", "\(model.id) does not support \(mode.rawValue)",
                           params: ["mode": .string(mode.rawValue), "model": .string(model.id)])
        }
    }

    /// Merges the request's `params` (and the first release's top-level `duration`) over the
    /// model's defaults for the mode, checking each against its spec.
    static func resolveParams(_ obj: [String: JSONValue], model: VideoModel, mode: GenerationMode) throws(APIError) -> [String: JSONScalar] {
        var given: [String: JSONScalar] = [:]
        switch obj["params"] {
        case nil, .null?: break
        case .object(let o)?:
            for (k, v) in o {
                guard let scalar = v.scalar else {
                    throw APIError(400, "invalid_param", "\(k) must be a number, a string or a boolean", params: ["name": .string(k)])
                }
                given[k] = scalar
            }
        default: throw APIError(400, "invalid_field", "params must be an object", params: ["field": "params"])
        }
        if let d = obj["duration"], d != .null, given["duration"] == nil {
            let value = d.number.flatMap { $0.rounded() == $0 ? Int64($0) : nil }
                ?? d.string.flatMap { Int64($0.trimmed.replacing("s", with: "")) }
            if let fixed = model.duration, model.param("duration") == nil {
                guard value == Int64(fixed) else {
                    throw APIError(400, "duration_mismatch", "\(model.id) makes \(fixed)-second videos; the duration is set by the model",
                                   params: ["duration": .int(Int64(fixed))])
                }
            } else if let value {
                given["duration"] = .int(value)
            } else {
                given["duration"] = .string(d.string ?? "")
            }
        }
        var out = model.defaults(for: mode)
        for (name, value) in given.sorted(by: { $0.key < $1.key }) {
            guard let spec = model.param(name) else {
                throw APIError(400, "unknown_param", "\(model.id) has no parameter \(name.prefix(40))", params: ["name": .string(String(name.prefix(40)))])
            }
            if let modes = spec.modes, !modes.contains(mode) {
                throw APIError(400, "invalid_param", "\(name) does not apply to \(mode.rawValue)",
                               params: ["name": .string(name), "mode": .string(mode.rawValue)])
            }
            switch spec.check(value) {
            case .success(let v): out[name] = v
            case .failure(let p):
                var params: [String: JSONScalar] = ["name": .string(name)]
                if let min = p.spec.min { params["min"] = .int(min) }
                if let max = p.spec.max { params["max"] = .int(max) }
                if let values = p.spec.values { params["values"] = .string(values.map(\.description).joined(separator: ",")) }
                if let ml = p.spec.maxLength { params["max_length"] = .int(Int64(ml)) }
                throw APIError(400, "invalid_param", "\(name) is not an allowed value", params: params)
            }
        }
        return out
    }

    /// A frame from a data URI or an https URL (not both).
    static func frame(dataURI: String?, url: String?, field: String, maxBytes: Int) throws(APIError) -> FrameValue? {
        if dataURI != nil && url != nil {
            throw APIError(400, "image_conflict", "send either a data URI or a URL for \(field), not both", params: ["field": .string(field)])
        }
        if let dataURI { return .image(try decodeDataURI(dataURI, maxBytes: maxBytes, field: field)) }
        if let url {
            guard url.count <= 2048, let u = URL(string: url), u.scheme?.lowercased() == "https", let host = u.host, !host.isEmpty else {
                throw APIError(400, "image_url_invalid", "\(field) URL must be an https:// URL", params: ["field": .string(field)])
            }
            return .url(url)
        }
        return nil
    }

    /// Decodes `data:image/…;base64,…` and checks the bytes are PNG, JPEG or WebP.
    static func decodeDataURI(_ uri: String, maxBytes: Int, field: String = "first_frame") throws(APIError) -> DecodedImage {
        let p: [String: JSONScalar] = ["field": .string(field)]
        guard uri.hasPrefix("data:"), let comma = uri.firstIndex(of: ",") else {
            throw APIError(400, "image_invalid", "\(field) must be a data:image/…;base64,… URI", params: p)
        }
        let header = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma].lowercased()
        let parts = header.split(separator: ";")
        guard let type = parts.first, type.hasPrefix("image/"), parts.dropFirst().contains("base64") else {
            throw APIError(400, "image_invalid", "\(field) must be a data:image/…;base64,… URI", params: p)
        }
        let payload = uri[uri.index(after: comma)...].filter { !$0.isWhitespace }
        let tooLarge = APIError(413, "image_too_large", "the image is over \(maxBytes / 1_000_000) MB",
                                params: ["field": .string(field), "max_bytes": .int(Int64(maxBytes))])
        if payload.utf8.count / 4 * 3 > maxBytes + 3 { throw tooLarge }
        guard let data = Data(base64Encoded: String(payload)) ?? Data(base64Encoded: padded(String(payload))) else {
            throw APIError(400, "image_invalid", "\(field) is not valid base64", params: p)
        }
        if data.count > maxBytes { throw tooLarge }
        let bytes = [UInt8](data)
        guard let (mime, ext) = sniffImage(bytes) else {
            throw APIError(400, "image_type", "the image must be PNG, JPEG or WebP (checked by content, not by the declared type)", params: p)
        }
        return DecodedImage(bytes: bytes, mime: mime, fileExtension: ext)
    }

    private static func padded(_ s: String) -> String {
        let r = s.utf8.count % 4
        return r == 0 ? s : s + String(repeating: "=", count: 4 - r)
    }

    /// Image type from magic bytes.
    public static func sniffImage(_ b: [UInt8]) -> (String, String)? {
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return ("image/png", "png") }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return ("image/jpeg", "jpg") }
        if b.count >= 12, b.starts(with: Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { return ("image/webp", "webp") }
        return nil
    }
}

extension JSONValue {
    /// The value as a parameter scalar (nil for arrays, objects, null).
    var scalar: JSONScalar? {
        switch self {
        case .bool(let b): .bool(b)
        case .number(let d): d.rounded() == d && abs(d) < 9e15 ? .int(Int64(d)) : .double(d)
        case .string(let s): .string(s)
        default: nil
        }
    }
}
