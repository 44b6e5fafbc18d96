import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// `sora batch FILE.jsonl`: one job per line, at most N in flight, one progress display.
/// Each line's Idempotency-Key comes from its content, so a resumed (or repeated) batch never
/// makes a job twice: lines in the results file are skipped, lines already submitted answer
/// their first job (and are followed), the rest are submitted. It stops submitting at the
/// daily budget and when the service refuses everyone (sign-in, spool).
struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a JSONL file of jobs, N at a time; resumable; stops at the budget; writes a results JSONL.",
        discussion: """
            Each line is a JSON object with the fields of POST /api/generate ("model", "prompt", "params", \
            "image_url", …) plus "image" / "last_frame" (a file relative to FILE, or a URL) and an optional \
            "name" that is copied into the results. Blank lines and lines starting with # are skipped.

            Results (default FILE with .results.jsonl) get one line per finished line: line, name, key, \
            outcome (succeeded, failed, cancelled, refused), task_id, video_url, cost_usd, error. Run the \
            same command again to resume: finished lines are skipped, submitted ones are followed, and the \
            rest are submitted — a line's Idempotency-Key is "batch-" + the SHA-256 of its content, so no \
            line is ever made twice. Ctrl+C stops following and submitting; running jobs go on.

            Exit codes: 0 every line succeeded, 3 some failed or were refused (see the results), 21 stopped \
            at the daily budget (run again tomorrow), 24 not signed in, 25 unreachable, 23 the service cannot \
            take jobs, 130 interrupted (resume by running it again).
            """)

    @Argument(help: "The JSONL file.") var file: String
    @Option(help: "Jobs in flight at most.") var concurrency = 4
    @Option(help: ArgumentHelp("The results file (appended).", valueName: "file")) var results: String?
    @Flag(help: "JSON lines even on a terminal.") var json = false
    @OptionGroup var target: TargetOptions

    func validate() throws {
        guard (1...100).contains(concurrency) else { throw ValidationError("--concurrency must be 1–100") }
    }

    var resultsPath: String {
        results ?? (file.hasSuffix(".jsonl") ? String(file.dropLast(6)) : file) + ".results.jsonl"
    }

    func run() throws {
        guard let bytes = FileIO.read(file) else {
            Terminal.err("batch: cannot read \(file)")
            throw ExitCode(ExitStatus.error)
        }
        let parsed = BatchLine.parse(String(decoding: bytes, as: UTF8.self))
        let api = try target.caller()
        Interrupts.block()
        var run = BatchRun(api: api, machine: json || !Terminal.isTTY, remote: target.url != nil, concurrency: concurrency,
                           baseDir: Path.directory(file).isEmpty ? "." : Path.directory(file))
        try run.open(resultsPath)
        let code = run.run(lines: parsed.lines, unreadable: parsed.unreadable)
        if code != .ok { throw ExitCode(code) }
    }
}

/// The state of one batch run.
struct BatchRun {
    let api: APICaller
    let machine: Bool
    let remote: Bool
    let concurrency: Int
    let baseDir: String

    var resultsFD: Int32 = -1
    var done: [String: BatchResult] = [:]
    var pending: [BatchLine] = []
    /// Jobs in flight: id → the lines it answers (identical lines share one job) and its status URL.
    var running: [String: (lines: [BatchLine], statusURL: String, nextPoll: Date)] = [:]
    var stop: ExitStatus?
    var busyUntil = Date.distantPast
    var unreachableInARow = 0
    var total = 0
    /// Keys of this file's lines: the counts ignore results of lines no longer in it.
    var keys = Set<String>()
    let started = Date()

    init(api: APICaller, machine: Bool, remote: Bool, concurrency: Int, baseDir: String) {
        self.api = api; self.machine = machine; self.remote = remote; self.concurrency = concurrency; self.baseDir = baseDir
    }

    mutating func open(_ path: String) throws {
        done = BatchResult.load(path: path)
        resultsFD = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard resultsFD >= 0 else {
            Terminal.err("batch: cannot write \(path): \(String(cString: strerror(errno)))")
            throw ExitCode(ExitStatus.error)
        }
    }

    mutating func run(lines: [BatchLine], unreadable: [BatchLine.Unreadable]) -> ExitStatus {
        total = lines.count + unreadable.count
        keys = Set(lines.map(\.key) + unreadable.map(\.key))
        let skipped = keys.filter { done[$0] != nil }.count
        for u in unreadable where done[u.key] == nil {
            record(BatchResult(line: u.number, name: nil, key: u.key, refusal: "invalid_line", message: "not a JSON object"))
        }
        pending = lines.filter { done[$0.key] == nil }
        event(["event": "start", "lines": .number(Double(total)), "skipped": .number(Double(skipped)),
               "concurrency": .number(Double(concurrency))])
        if !machine && skipped > 0 { Terminal.line("Resuming: \(skipped) of \(total) lines already done (skipped)") }
        var tick = 0
        while !(pending.isEmpty || stop != nil) || !running.isEmpty {
            submitWhatFits()
            poll()
            if !machine { Terminal.live(bar(tick: tick)) }
            if pending.isEmpty && running.isEmpty { break }
            if stop != nil && running.isEmpty { break }
            if Interrupts.wait(0.25) != nil { return detach() }
            tick += 1
        }
        return finish()
    }

    // MARK: submitting

    mutating func submitWhatFits() {
        while stop == nil, running.count < concurrency, Date() >= busyUntil, let line = pending.first {
            let body: [UInt8]
            do { body = try line.body(baseDir: baseDir) } catch {
                pending.removeFirst()
                record(BatchResult(line: line.number, name: line.name, key: line.key, refusal: "image_unreadable", message: "\(error)"))
                continue
            }
            switch api.call(APICall("POST", "/api/generate", body: body, idempotencyKey: line.key)) {
            case .failure(let e):
                unreachableInARow += 1
                busyUntil = Date().addingTimeInterval(5)
                if unreachableInARow >= 5 { halt(.unreachable, e.description) }
                return
            case .success(let a):
                unreachableInARow = 0
                if a.ok, let id = a.json?.firstString("task_id"), let url = a.json?.firstString("status_url") {
                    pending.removeFirst()
                    running[id, default: (lines: [], statusURL: url, nextPoll: .distantPast)].lines.append(line)
                    event(["event": "submitted", "line": .number(Double(line.number)), "task_id": .string(id),
                           "replayed": .bool(a.headers["idempotent-replayed"] == "true")])
                    continue
                }
                let code = a.errorCode ?? "http_\(a.status)"
                switch (a.status, code) {
                case (402, _), (_, "budget_exceeded"):
                    halt(.budgetExceeded, a.errorMessage ?? code)
                case (_, "queue_full"), (429, _), (502, _), (504, _), (503, "service_unavailable"):
                    // Nothing was made: try the same line again later (its key protects it anyway).
                    let wait = Double(a.headers["retry-after"] ?? "") ?? 10
                    busyUntil = Date().addingTimeInterval(min(60, max(1, wait)))
                    return
                case (401, _), (403, _):
                    halt(.unauthorized, a.errorMessage ?? code)
                case (400..<500, _):
                    pending.removeFirst()
                    record(BatchResult(line: line.number, name: line.name, key: line.key, refusal: code, message: a.errorMessage))
                default:
                    halt(.unavailable, a.errorMessage ?? code)
                }
            }
        }
    }

    mutating func halt(_ why: ExitStatus, _ message: String) {
        guard stop == nil else { return }
        stop = why
        event(["event": "stopped", "reason": .string(why == .budgetExceeded ? "budget_exceeded" : "\(why)"),
               "message": .string(message), "not_submitted": .number(Double(pending.count))])
        if !machine {
            Terminal.endLive()
            Terminal.line(why == .budgetExceeded
                          ? "Stopped submitting: today's budget is spent (\(message)). \(pending.count) lines wait; run again tomorrow."
                          : "Stopped submitting: \(message)")
        }
    }

    // MARK: following

    mutating func poll() {
        let now = Date()
        let next = now.addingTimeInterval(remote ? 2 : 0.25)
        for (id, job) in Array(running) where now >= job.nextPoll {
            running[id]?.nextPoll = next
            guard let d = api.statusDocument(id: id, statusURL: job.statusURL), d.status.isTerminal else { continue }
            running[id] = nil
            for line in job.lines { record(BatchResult(line: line, doc: d)) }
        }
    }

    mutating func record(_ r: BatchResult) {
        done[r.key] = r
        try? FileIO.writeAll(resultsFD, r.jsonLine(), path: "results")
        if machine {
            Terminal.out("{\"event\":\"finished\",\"result\":" + String(decoding: r.jsonLine().dropLast(), as: UTF8.self) + "}\n")
            return
        }
        let mark = r.succeeded ? Terminal.paint("32", "✓") : r.outcome == "refused" ? Terminal.paint("33", "–") : Terminal.paint("31", "✗")
        var text = "\(mark) line \(r.line)"
        if let n = r.name { text += " (\(n))" }
        if let id = r.taskID { text += "  \(id)" }
        switch r.outcome {
        case "succeeded": text += "  \(r.model ?? "")  \(r.videoURL ?? "")"
        case "refused": text += "  refused: \(r.error?.code ?? "")" + (r.error?.detail.map { " — \($0)" } ?? "")
        default: text += "  \(r.outcome)" + (r.error.map { ": \($0.kind ?? "") (\($0.code))" } ?? "")
        }
        Terminal.endLive()
        Terminal.line(text)
    }

    // MARK: display and the end

    var ours: [BatchResult] { done.values.filter { keys.contains($0.key) } }

    func bar(tick: Int) -> String {
        let finished = ours.count
        let ok = ours.filter(\.succeeded).count
        let percent = total == 0 ? 100 : Double(finished) / Double(total) * 100
        var parts = ["batch", ProgressLine.bar(percent, width: 20), "\(finished)/\(total) done", "✓\(ok) ✗\(finished - ok)",
                     "running \(running.count)", "waiting \(pending.count)", ProgressLine.clock(Date().timeIntervalSince(started))]
        if Date() < busyUntil { parts.append("(service busy: waiting)") }
        let line = parts.joined(separator: "  ")
        return String(line.prefix(max(20, Terminal.width - 1)))
    }

    func detach() -> ExitStatus {
        event(["event": "detached", "running": .array(running.keys.sorted().map(JSONValue.string)),
               "not_submitted": .number(Double(pending.count))])
        if !machine { Terminal.endLive() }
        Terminal.err("Interrupted: \(running.count) jobs keep running (nothing was cancelled), \(pending.count) lines not submitted.\n  resume: run the same command again — finished lines are skipped, none is made twice")
        return .detached
    }

    func finish() -> ExitStatus {
        let results = ours
        let ok = results.filter(\.succeeded).count
        let code: ExitStatus = stop ?? (ok == results.count && pending.isEmpty ? .ok : .someFailed)
        event(["event": "summary", "lines": .number(Double(total)), "succeeded": .number(Double(ok)),
               "not_succeeded": .number(Double(results.count - ok)), "not_submitted": .number(Double(pending.count)),
               "exit": .number(Double(code.rawValue))])
        if !machine {
            Terminal.endLive()
            Terminal.line("\(ok) of \(total) succeeded, \(results.count - ok) did not, \(pending.count) not submitted · "
                          + ProgressLine.clock(Date().timeIntervalSince(started)))
        }
        return code
    }

    func event(_ fields: [String: JSONValue]) {
        if machine { Terminal.raw(JSONValue.object(fields).encoded()) }
    }
}
