#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SoraCore

/// Follows one job to its end through its status file (locally the spool's, remotely
/// `/status/<id>.json`): a live progress line on a terminal, or the status document as a JSON
/// line each time it changes. Ctrl+C detaches and never cancels.
struct Follower {
    let api: APICaller
    let json: Bool
    let remote: Bool

    func follow(id: String, statusURL: String, typicalSeconds: Int?) -> ExitStatus {
        var last: StatusDocument?
        var lastKey = ""
        var tick = 0
        var nextPoll = Date.distantPast
        // A local status file is a cheap read; a remote one is polled like the page: 1 s, slowing to 5 s.
        var interval = remote ? 1.0 : 0.25
        while true {
            let now = Date()
            if now >= nextPoll {
                if let d = api.statusDocument(id: id, statusURL: statusURL) {
                    if remote && Self.changeKey(d) != last.map(Self.changeKey) { interval = 1 } else if remote { interval = min(5, interval * 1.3) }
                    last = d
                }
                nextPoll = now.addingTimeInterval(interval)
            }
            if let d = last {
                if json {
                    let key = Self.changeKey(d)
                    if key != lastKey { lastKey = key; Terminal.json(d) }
                } else {
                    Terminal.live(ProgressLine.render(d, typicalSeconds: typicalSeconds, now: now, width: Terminal.width - 1, tick: tick))
                }
                if let code = ExitStatus.of(d) {
                    if !json {
                        Terminal.endLive()
                        Terminal.line(ProgressLine.summary(d, now: now, color: Terminal.color))
                    }
                    return code
                }
            }
            if Interrupts.wait(0.25) != nil {
                if !json { Terminal.endLive() }
                Self.detached(id)
                return .detached
            }
            tick += 1
        }
    }

    /// What makes a new JSON line: a visible change, not a heartbeat.
    static func changeKey(_ d: StatusDocument) -> String {
        "\(d.status.rawValue)|\(d.phase.rawValue)|\(Int(d.progress))|\(d.queuePosition ?? 0)|\(d.error?.code ?? "")"
    }

    static func detached(_ id: String) {
        Terminal.err("Detached: job \(id) keeps running (Ctrl+C never cancels a job).\n  follow again: sora show \(id) --wait\n  cancel it:    sora cancel \(id)")
    }
}
