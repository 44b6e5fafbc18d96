#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The JSON body of `POST /api/generate` (docs/contract.md §3), built from what the command
/// line is given: a frame as a file (sent as a data URI) or an https URL, and `key=value`
/// parameters typed by the model's catalog entry. Nothing is checked here that the API checks:
/// the router (or the remote deployment) is the one judge, so the rules are never duplicated.
public enum GenerateBody {
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var description: String
        init(_ d: String) { description = d }
    }

    /// The body for a generate call. `image`/`lastFrame` are paths (relative to `baseDir`) or URLs.
    public static func make(model: String, prompt: String, image: String?, lastFrame: String?,
                            params: [String: JSONScalar], baseDir: String = ".") throws -> [UInt8] {
        var body: [String: JSONValue] = ["model": .string(model), "prompt": .string(prompt)]
        if !params.isEmpty { body["params"] = .object(params.mapValues(JSONValue.init)) }
        try addFrames(&body, image: image, lastFrame: lastFrame, baseDir: baseDir)
        return JSONValue.object(body).encoded()
    }

    /// Puts a first/last frame into `body`: a URL as `image_url`/`last_frame_url`, a file as
    /// `first_frame_base64`/`last_frame_base64`.
    public static func addFrames(_ body: inout [String: JSONValue], image: String?, lastFrame: String?, baseDir: String) throws {
        for (value, urlKey, dataKey) in [(image, "image_url", "first_frame_base64"), (lastFrame, "last_frame_url", "last_frame_base64")] {
            guard let value, !value.isEmpty else { continue }
            if value.hasPrefix("https://") || value.hasPrefix("http://") {
                body[urlKey] = .string(value)
            } else {
                body[dataKey] = .string(try dataURI(path: value.hasPrefix("/") ? value : baseDir + "/" + value))
            }
        }
    }

    /// A file as `data:image/…;base64,…`; the type is taken from the magic bytes where known
    /// (the API checks them again and refuses anything but PNG, JPEG and WebP).
    public static func dataURI(path: String) throws -> String {
        guard let bytes = FileIO.read(path, limit: 64 << 20) else { throw Problem("cannot read the image \(path)") }
        return "data:\(mime(bytes));base64," + Data(bytes).base64EncodedString()
    }

    public static func mime(_ b: [UInt8]) -> String {
        if b.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if b.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if b.count >= 12, b.starts(with: Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return "image/png"
    }

    /// `key=value` → a JSON value of the parameter's kind (int, bool, enum value, string).
    /// Without a catalog entry, numbers and true/false are typed and the rest stays a string.
    public static func param(_ raw: String, spec: ParamSpec?) -> JSONScalar {
        let text = raw.trimmed
        let bool: Bool? = switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
        guard let spec else {
            if let n = Int64(text) { return .int(n) }
            if let b = bool, text.lowercased() == "true" || text.lowercased() == "false" { return .bool(b) }
            return .string(raw)
        }
        switch spec.kind {
        case .int: return Int64(text).map { .int($0) } ?? .string(raw)
        case .bool: return bool.map { .bool($0) } ?? .string(raw)
        case .string: return .string(raw)
        case .enum:
            if let n = Int64(text), spec.values?.contains(.int(n)) == true { return .int(n) }
            return .string(text)
        }
    }

    /// Parses `key=value` arguments.
    public static func params(_ pairs: [String], model: VideoModel?) throws -> [String: JSONScalar] {
        var out: [String: JSONScalar] = [:]
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw Problem("--param wants key=value, got \"\(pair)\"")
            }
            let key = String(pair[..<eq]).trimmed
            out[key] = param(String(pair[pair.index(after: eq)...]), spec: model?.param(key))
        }
        return out
    }
}
