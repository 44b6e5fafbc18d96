import Foundation

/// A validated generate request. Built only by `GenerateInput.parse`, which rejects everything
/// the upstream would refuse or that could cost money for nothing.
public struct GenerateInput: Sendable, Equatable {
    public var model: VideoModel
    public var prompt: String
    public var image: DecodedImage?
    public var imageURL: String?

    public var mode: GenerationMode { image != nil || imageURL != nil ? .imageToVideo : .textToVideo }
}

/// An uploaded first frame, type taken from its magic bytes (never from the declared type).
public struct DecodedImage: Sendable, Equatable {
    public var bytes: [UInt8]
    public var mime: String
    public var fileExtension: String
}

/// Limits that validation enforces (from `Config`).
public struct GenerateLimits: Sendable {
    public var maxPromptLength: Int
    public var maxImageBytes: Int
    public init(maxPromptLength: Int, maxImageBytes: Int) {
        self.maxPromptLength = maxPromptLength; self.maxImageBytes = maxImageBytes
    }
}


extension GenerateInput {
    /// Validates the JSON body of `POST /api/generate` (field names of the plan §5.3). Unknown
    /// fields are ignored; `null` and `""` count as absent for the optional fields.
    public static func parse(body: [UInt8], catalog: ModelCatalog, limits: GenerateLimits) throws(APIError) -> GenerateInput {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(body)), let json = obj as? [String: Any] else {
            throw APIError(400, "invalid_json", "the body must be a JSON object")
        }
        func optionalString(_ key: String) throws(APIError) -> String? {
            switch json[key] {
            case nil, is NSNull: return nil
            case let s as String: return s.isEmpty ? nil : s
            default: throw APIError(400, "invalid_field", "\(key) must be a string")
            }
        }
        guard let modelID = json["model"] as? String, !modelID.isEmpty else {
            throw APIError(400, "unknown_model", "model is required; see GET /api/models")
        }
        guard let model = catalog.model(id: modelID) else {
            throw APIError(400, "unknown_model", "unknown model \"\(modelID.prefix(60))\"; see GET /api/models")
        }
        if model.retired {
            throw APIError(400, "model_retired", "model \(model.id) is retired" + (model.notice.map { ": \($0)" } ?? ""))
        }
        guard let rawPrompt = json["prompt"] as? String else {
            throw APIError(400, "prompt_empty", "prompt is required")
        }
        let prompt = rawPrompt.trimmingCharacters(in: .whitespacesAndNewlines)
        if prompt.isEmpty { throw APIError(400, "prompt_empty", "prompt is empty") }
        if prompt.count > limits.maxPromptLength {
            throw APIError(400, "prompt_too_long", "prompt has \(prompt.count) characters; the limit is \(limits.maxPromptLength)")
        }
        if let d = json["duration"], !(d is NSNull) {
            let value: Int? = (d as? NSNumber).flatMap { n in n.doubleValue == n.doubleValue.rounded() ? n.intValue : nil }
                ?? (d as? String).flatMap { Int($0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "s", with: "")) }
            guard value == model.duration else {
                throw APIError(400, "duration_mismatch", "\(model.id) makes \(model.duration)-second videos; the duration is set by the model")
            }
        }
        let dataURI = try optionalString("first_frame_base64")
        let imageURL = try optionalString("image_url")
        if dataURI != nil && imageURL != nil {
            throw APIError(400, "image_conflict", "send either first_frame_base64 or image_url, not both")
        }
        var image: DecodedImage?
        if let dataURI { image = try decodeDataURI(dataURI, maxBytes: limits.maxImageBytes) }
        if let imageURL {
            guard imageURL.count <= 2048, let u = URL(string: imageURL), u.scheme?.lowercased() == "https",
                  let host = u.host, !host.isEmpty else {
                throw APIError(400, "image_url_invalid", "image_url must be an https:// URL")
            }
        }
        let input = GenerateInput(model: model, prompt: prompt, image: image, imageURL: imageURL)
        if !model.modes.contains(input.mode) {
            throw APIError(400, "mode_unsupported", "\(model.id) does not support \(input.mode.rawValue)")
        }
        return input
    }

    /// Decodes `data:image/…;base64,…` and checks the bytes are PNG, JPEG or WebP.
    static func decodeDataURI(_ uri: String, maxBytes: Int) throws(APIError) -> DecodedImage {
        guard uri.hasPrefix("data:"), let comma = uri.firstIndex(of: ",") else {
            throw APIError(400, "image_invalid", "first_frame_base64 must be a data:image/…;base64,… URI")
        }
        let header = uri[uri.index(uri.startIndex, offsetBy: 5)..<comma].lowercased()
        let params = header.split(separator: ";")
        guard let type = params.first, type.hasPrefix("image/"), params.dropFirst().contains("base64") else {
            throw APIError(400, "image_invalid", "first_frame_base64 must be a data:image/…;base64,… URI")
        }
        let payload = uri[uri.index(after: comma)...].filter { !$0.isWhitespace }
        if payload.utf8.count / 4 * 3 > maxBytes + 3 {
            throw APIError(413, "image_too_large", "the image is over \(maxBytes / 1_000_000) MB")
        }
        guard let data = Data(base64Encoded: String(payload)) ?? Data(base64Encoded: padded(String(payload))) else {
            throw APIError(400, "image_invalid", "first_frame_base64 is not valid base64")
        }
        if data.count > maxBytes { throw APIError(413, "image_too_large", "the image is over \(maxBytes / 1_000_000) MB") }
        let bytes = [UInt8](data)
        guard let (mime, ext) = sniffImage(bytes) else {
            throw APIError(400, "image_type", "the image must be PNG, JPEG or WebP (checked by content, not by the declared type)")
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
