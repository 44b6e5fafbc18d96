#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The terminal's live line for one job, and its closing summary: stage in the user's words
/// (from `phase`, never the upstream's raw text), a bar, percent, elapsed time and an estimate
/// from the model's `typical_seconds`. Pure functions of the status document and the clock, so
/// tests check them without a terminal.
public enum ProgressLine {
    static let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

    /// What the job is doing, in the user's words.
    public static func stage(_ doc: StatusDocument) -> String {
        switch doc.phase {
        case .queued:
            doc.queuePosition.map { $0 > Spool.numberedPlaces ? "Waiting for a worker (#\(Spool.numberedPlaces)+)" : "Waiting for a worker (#\($0))" }
                ?? "Waiting for a worker"
        case .submitting: "Sending to the gateway"
        case .upstreamQueued: "Queued at the gateway"
        case .generating: "Generating"
        case .downloading: "Downloading the video"
        case .storing: "Storing the video"
        case .done: "Done"
        case .failed: "Failed"
        case .cancelled: "Cancelled"
        }
    }

    /// `0:07`, `2:31`, `1:02:03`.
    public static func clock(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded(.down)))
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        let two = { (v: Int) in v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(r))" : "\(m):\(two(r))"
    }

    /// Seconds since the job was made, up to now or to its end.
    public static func elapsed(_ doc: StatusDocument, now: Date) -> Double {
        (doc.finishedAt ?? now).timeIntervalSince(doc.createdAt)
    }

    /// "~1:48 left", "longer than usual", or "then ~3:00" while waiting for a worker: from the
    /// model's typical time, and once the gateway reports 10 % or more, from the pace so far.
    public static func estimate(_ doc: StatusDocument, typicalSeconds: Int?, now: Date) -> String? {
        guard !doc.status.isTerminal else { return nil }
        guard let started = doc.startedAt else { return typicalSeconds.map { "then ~\(clock(Double($0)))" } }
        let ran = now.timeIntervalSince(started)
        if doc.progress >= 10 && doc.progress < 100 { return "~\(clock(ran * (100 - doc.progress) / doc.progress)) left" }
        guard let typical = typicalSeconds, typical > 0 else { return nil }
        let left = Double(typical) - ran
        return left > 0 ? "~\(clock(left)) left" : "longer than usual (typ. \(clock(Double(typical))))"
    }

    public static func bar(_ percent: Double, width: Int) -> String {
        let filled = Int((max(0, min(100, percent)) / 100 * Double(width)).rounded(.down))
        return String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    }

    /// One line, at most `width` characters: `⠹ Generating  ██████░░░░  45%  1:12  ~1:48 left`.
    public static func render(_ doc: StatusDocument, typicalSeconds: Int?, now: Date, width: Int, tick: Int) -> String {
        let spin = spinner[abs(tick) % spinner.count]
        let percent = { let p = String(Int(doc.progress.rounded(.down))); return String(repeating: " ", count: max(0, 3 - p.count)) + p + "%" }()
        let time = clock(elapsed(doc, now: now))
        let guess = estimate(doc, typicalSeconds: typicalSeconds, now: now)
        let words = stage(doc)
        // Drop what matters least until it fits: the estimate, then bar width, then the stage's tail.
        for (barWidth, withGuess) in [(24, true), (16, true), (16, false), (10, false), (0, false)] {
            var parts = [spin, pad(words, 24)]
            if barWidth > 0 { parts.append(bar(doc.progress, width: barWidth)) }
            parts += [percent, time]
            if withGuess, let guess { parts.append(guess) }
            let line = parts.joined(separator: "  ")
            if line.count <= width { return line }
        }
        return String("\(spin) \(words) \(percent) \(time)".prefix(max(1, width)))
    }

    /// The closing lines once a job has ended.
    public static func summary(_ doc: StatusDocument, now: Date, color: Bool) -> String {
        let paint = { (code: String, s: String) in color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        let took = clock(elapsed(doc, now: now))
        switch doc.status {
        case .succeeded:
            var facts = [doc.sizeBytes.map(megabytes), doc.costUSD > 0 ? "$" + fixed(doc.costUSD, 4) : nil].compactMap { $0 }
            facts.insert(doc.model, at: 0)
            var lines = [paint("32", "✓ Succeeded") + " in \(took) — " + facts.joined(separator: ", ")]
            if let url = doc.videoURL { lines.append("  video: \(url)") }
            lines.append("  job:   \(doc.taskID)")
            return lines.joined(separator: "\n")
        case .failed:
            let e = doc.error
            var lines = [paint("31", "✗ Failed") + " after \(took): \(e.map { "\($0.kind.rawValue) (\($0.code))" } ?? "unknown")"]
            if let e { lines.append("  " + explain(e)) }
            if let detail = e?.detail, !detail.isEmpty { lines.append("  detail: \(detail)") }
            if doc.canRetry { lines.append("  retry without a new generation: sora retry-transfer \(doc.taskID)") }
            lines.append("  job:   \(doc.taskID)")
            return lines.joined(separator: "\n")
        case .cancelled:
            return paint("33", "■ Cancelled") + " after \(took)\n  job:   \(doc.taskID)"
        case .queued, .generating, .transferring:
            return "\(stage(doc)) — \(Int(doc.progress))% after \(took)\n  job:   \(doc.taskID)"
        }
    }

    /// What a failure kind means for the operator (the page has the full wording per code).
    public static func explain(_ e: JobFailure) -> String {
        switch e.kind {
        case .moderation: "The gateway refused the content. Reword the prompt or use another image; no real people, brands or violence."
        case .upstream: "The gateway answered with an error (key, model availability, rate limit or a failed task)."
        case .timeout: "It took too long. A task that still exists upstream can be followed again (can_retry)."
        case .ambiguous: "The create call's outcome is unknown; it is never resubmitted automatically (it may be billed)."
        case .streamCut: "The stream closed before a video link; often a content refusal. Not resubmitted."
        case .noLink: "The generation ended without a video link."
        case .transfer: "The video was made but could not be downloaded or stored."
        case .config: explainConfig(e.code)
        case .interrupted: "The worker stopped before the video link arrived. Not resubmitted."
        }
    }

    /// The config codes call for different fixes, so each names its own.
    static func explainConfig(_ code: String) -> String {
        switch code {
        case "tls_failed": "The gateway's TLS certificate is not trusted; nothing was sent (a private CA goes in SORA_CA_FILE)."
        case "spool_unwritable": "The spool could not record the submission (disk full or permissions); nothing was sent."
        case "input_unreadable": "The worker could not read this job's input in the spool (permissions, or the files were removed)."
        default: "This model has no key or a bad base URL in the configuration (run `sora doctor`)."
        }
    }

    public static func megabytes(_ bytes: Int64) -> String {
        bytes < 1_000_000 ? "\((bytes + 999) / 1000) KB" : fixed(Double(bytes) / 1_000_000, 1) + " MB"
    }

    static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
