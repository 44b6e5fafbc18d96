import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SoraCore

/// A job's status document for people: `sora show` and the lines `cancel`/`retry-transfer` print.
enum JobView {
    static func details(_ d: StatusDocument) -> String {
        var rows: [(String, String)] = []
        rows.append(("job", d.taskID))
        rows.append(("status", "\(d.status.rawValue) — \(ProgressLine.stage(d)), \(Int(d.progress))%"))
        rows.append(("model", "\(d.model) (\(d.protocol.rawValue), \(d.mode.rawValue)) \(d.duration) s \(d.width)×\(d.height)"))
        if !d.params.isEmpty {
            rows.append(("params", d.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))
        }
        rows.append(("prompt", d.origPrompt))
        var when = "created \(stamp(d.createdAt))"
        if let f = d.finishedAt { when += ", finished \(stamp(f)) (\(ProgressLine.clock(f.timeIntervalSince(d.createdAt))))" }
        rows.append(("time", when))
        rows.append(("cost", "$" + fixed(d.costUSD, 4) + " (\(d.costState.rawValue)), estimate " + "$" + fixed(d.priceUSD, 4)))
        if let url = d.videoURL { rows.append(("video", url + (d.sizeBytes.map { "  " + ProgressLine.megabytes($0) } ?? ""))) }
        if let e = d.error {
            rows.append(("error", "\(e.kind.rawValue) (\(e.code))" + (e.detail.map { ": \($0)" } ?? "")))
            rows.append(("", ProgressLine.explain(e)))
        }
        var actions: [String] = []
        if d.canCancel && !d.status.isTerminal { actions.append("sora cancel \(d.taskID)") }
        if d.canRetry { actions.append("sora retry-transfer \(d.taskID)") }
        if d.status == .succeeded { actions.append("sora download \(d.taskID)") }
        if !d.status.isTerminal { actions.append("sora show \(d.taskID) --wait") }
        if !actions.isEmpty { rows.append(("next", actions.joined(separator: "  |  "))) }
        return rows.map { k, v in k.padded(to: 8) + v }.joined(separator: "\n")
    }

    /// `2026-11-25 13:19 UTC`.
    static func stamp(_ d: Date) -> String {
        let s = SpoolJSON.isoString(d)
        return String(s.prefix(10)) + " " + String(s.dropFirst(11).prefix(8)) + " UTC"
    }
}

/// `GET /api/status/<id>` through the API (signed links are fresh there), with the errors mapped.
func fetchStatus(_ api: APICaller, id: String, json: Bool) throws -> StatusDocument {
    switch api.call(APICall("GET", "/api/status/\(id)")) {
    case .failure(let e): throw unreachable(e)
    case .success(let a):
        guard a.ok else { throw refusal(a, json: json, doing: "show \(id)") }
        guard let d = a.decode(StatusDocument.self) else {
            Terminal.err("sora: unexpected answer for \(id)")
            throw ExitCode(ExitStatus.unavailable)
        }
        return d
    }
}
