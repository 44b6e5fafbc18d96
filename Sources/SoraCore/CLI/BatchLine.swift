#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// One line of a batch file: a JSON object with the generate body's fields (`model`, `prompt`,
/// `params`, `image_url`, …) plus `image` / `last_frame` (a file, relative to the batch file,
/// or a URL) and an optional `name` echoed into the results.
///
/// Its Idempotency-Key is derived from its content (`batch-` + SHA-256 of the object with
/// sorted keys), so submitting the same line twice — a resumed or repeated batch — answers
/// the first job and never makes a second one, whichever process submitted it.
public struct BatchLine: Sendable {
    /// 1-based line number in the file.
    public var number: Int
    public var name: String?
    public var key: String
    public var object: [String: JSONValue]

    public var model: String { object["model"]?.string ?? "" }

    public init(number: Int, object: [String: JSONValue]) {
        self.number = number
        self.object = object
        name = object["name"]?.string
        key = "batch-" + Spool.sha256Hex(JSONValue.object(object).encoded())
    }

    /// The generate body: `image`/`last_frame` read into data URIs (or passed as URLs), `name` dropped.
    public func body(baseDir: String) throws -> [UInt8] {
        var body = object
        let image = body.removeValue(forKey: "image")?.string
        let last = body.removeValue(forKey: "last_frame")?.string
        body.removeValue(forKey: "name")
        try GenerateBody.addFrames(&body, image: image, lastFrame: last, baseDir: baseDir)
        return JSONValue.object(body).encoded()
    }

    /// A line that is not a JSON object.
    public struct Unreadable: Sendable {
        public var number: Int
        public var key: String
    }

    /// Every job line of a batch file; blank lines and `#` comments are skipped.
    public static func parse(_ text: String) -> (lines: [BatchLine], unreadable: [Unreadable]) {
        var lines: [BatchLine] = [], bad: [Unreadable] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let t = raw.trimmed
            if t.isEmpty || t.hasPrefix("#") { continue }
            if case .object(let o)? = JSONValue.parse(Array(t.utf8)) {
                lines.append(BatchLine(number: i + 1, object: o))
            } else {
                bad.append(Unreadable(number: i + 1, key: "batch-" + Spool.sha256Hex(Array(t.utf8))))
            }
        }
        return (lines, bad)
    }
}

/// One line of the results file: how a batch line ended. Written once per line when it ends;
/// a resumed batch skips every line whose key is already there.
public struct BatchResult: Codable, Sendable, Equatable {
    public var line: Int
    public var name: String?
    public var key: String
    /// `succeeded`, `failed`, `cancelled`, or `refused` (the API made no job).
    public var outcome: String
    public var taskID: String?
    public var model: String?
    public var videoURL: String?
    public var costUSD: Double?
    /// For `failed`: the failure kind and code; for `refused`: the API's error code.
    public var error: Reason?
    public var finishedAt: Date?

    public struct Reason: Codable, Sendable, Equatable {
        public var kind: String?
        public var code: String
        public var detail: String?
        public init(kind: String?, code: String, detail: String?) { self.kind = kind; self.code = code; self.detail = detail }
    }

    enum CodingKeys: String, CodingKey {
        case line, name, key, outcome, model, error
        case taskID = "task_id", videoURL = "video_url", costUSD = "cost_usd", finishedAt = "finished_at"
    }

    public init(line: BatchLine, doc: StatusDocument) {
        self.line = line.number; name = line.name; key = line.key; outcome = doc.status.rawValue
        taskID = doc.taskID; model = doc.model; videoURL = doc.videoURL; costUSD = doc.costUSD
        error = doc.error.map { Reason(kind: $0.kind.rawValue, code: $0.code, detail: $0.detail) }
        finishedAt = doc.finishedAt
    }

    public init(line: Int, name: String?, key: String, refusal code: String, message: String?) {
        self.line = line; self.name = name; self.key = key; outcome = "refused"
        error = Reason(kind: nil, code: code, detail: message)
    }

    public var succeeded: Bool { outcome == "succeeded" }

    public func jsonLine() -> [UInt8] {
        ((try? SpoolJSON.encoder().encode(self)).map(Array.init) ?? []) + [0x0A]
    }

    /// Results already written, by key (a torn last line from a crash is ignored).
    public static func load(path: String) -> [String: BatchResult] {
        guard let bytes = FileIO.read(path) else { return [:] }
        var out: [String: BatchResult] = [:]
        for line in bytes.split(separator: 0x0A) {
            if let r = try? SpoolJSON.decoder().decode(BatchResult.self, from: Data(line)) { out[r.key] = r }
        }
        return out
    }
}
