#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A frame as the upstream receives it: the uploaded bytes, or an https URL.
public enum FrameSource: Sendable, Equatable {
    case bytes([UInt8], mime: String)
    case url(String)

    /// `data:image/png;base64,…` (lower-case type, as Ark requires) or the URL.
    public var urlOrDataURI: String {
        switch self {
        case .bytes(let b, let mime): "data:\(mime.lowercased());base64,\(Data(b).base64EncodedString())"
        case .url(let u): u
        }
    }
}

/// Everything a protocol needs to build its requests for one job.
public struct UpstreamJob: Sendable {
    public var request: JobRequest
    public var firstFrame: FrameSource?
    public var lastFrame: FrameSource?
    /// The catalog entry's parameter specs (for wire names), when the model is still listed.
    public var paramSpecs: [ParamSpec]
    public var options: [String: String]

    public init(request: JobRequest, firstFrame: FrameSource? = nil, lastFrame: FrameSource? = nil,
                paramSpecs: [ParamSpec] = [], options: [String: String] = [:]) {
        self.request = request; self.firstFrame = firstFrame; self.lastFrame = lastFrame
        self.paramSpecs = paramSpecs; self.options = options
    }

    public var baseURL: String { request.baseURL }
    public func param(_ name: String) -> JSONScalar? { request.params[name] }
    /// The wire field for a canonical parameter (`wire` override, else `fallback`).
    public func wireName(_ name: String, _ fallback: String) -> String {
        paramSpecs.first { $0.name == name }?.wire ?? fallback
    }
}

/// A job whose inputs can't be turned into a request (missing frame, unreadable file).
public struct UpstreamInputError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
