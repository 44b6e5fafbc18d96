import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SoraCore

/// `sora jobs` (alias `list`): the library, newest first — `GET /api/jobs` with its filters.
struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List jobs, newest first: a table on a terminal, the API's JSON otherwise.",
        discussion: "Filters are the API's (GET /api/jobs): --status, --model, --q (prompt text or a job id prefix), --limit 1–200, --before ID for the next page.",
        aliases: ["list"])

    @Option(help: "queued, generating, transferring, succeeded, failed or cancelled.") var status: String?
    @Option(help: "A model id.") var model: String?
    @Option(name: .customLong("q"), help: ArgumentHelp("Prompt text, or the start of a job id.", valueName: "text")) var query: String?
    @Option(help: "How many (1–200).") var limit = 20
    @Option(help: ArgumentHelp("Jobs older than this id (the next page).", valueName: "id")) var before: String?
    @Flag(help: "The API's JSON even on a terminal.") var json = false
    @OptionGroup var target: TargetOptions

    func run() throws {
        let machine = json || !Terminal.isTTY
        let api = try target.caller(changesJobs: false)
        let items: [(String, String?)] = [("limit", String(limit)), ("status", status), ("model", model), ("q", query), ("before", before)]
        let qs = items.compactMap { k, v in v.map { "\(k)=\(Percent.encode($0))" } }.joined(separator: "&")
        switch api.call(APICall("GET", "/api/jobs", query: qs)) {
        case .failure(let e): throw unreachable(e)
        case .success(let a):
            guard a.ok else { throw refusal(a, json: machine, doing: "jobs") }
            if machine { Terminal.raw(a.body); return }
            struct Page: Decodable {
                var jobs: [StatusDocument]; var total: Int; var totalCapped: Bool?; var nextBefore: String?; var todayCostUSD: Double
                enum CodingKeys: String, CodingKey {
                    case jobs, total; case totalCapped = "total_capped"; case nextBefore = "next_before"; case todayCostUSD = "today_cost_usd"
                }
            }
            guard let page = a.decode(Page.self) else { throw ExitCode(ExitStatus.unavailable) }
            Terminal.out(Self.table(page.jobs, width: Terminal.width))
            // A search counts up to a cap: "50 of 1000+" (an older server sends no total_capped).
            var footer = "\(page.jobs.count) of \(page.total)\(page.totalCapped == true ? "+" : "")" + " · spent today $\(fixed(page.todayCostUSD, 4))"
            if let next = page.nextBefore { footer += " · more: --before \(next)" }
            Terminal.line(footer)
        }
    }

    /// ID, status, progress, model, cost, created, prompt — the prompt gets what is left, and on a
    /// narrow terminal progress and then the creation time give way to it.
    static func table(_ jobs: [StatusDocument], width: Int) -> String {
        let modelWidth = min(22, max(5, jobs.map(\.model.count).max() ?? 5))
        func cell(_ s: String, _ n: Int) -> String { s.count > n ? String(s.prefix(n - 1)) + "…" : s.padded(to: n) }
        func when(_ d: StatusDocument) -> String {
            let t = SpoolJSON.isoString(d.createdAt)
            return String(t.dropFirst(5).prefix(5)) + " " + String(t.dropFirst(11).prefix(5))
        }
        typealias Column = (title: String, width: Int, value: (StatusDocument) -> String)
        var columns: [Column] = [
            ("ID", 26, { $0.taskID }),
            ("STATUS", 12, { $0.status == .failed ? "failed:" + ($0.error?.kind.rawValue ?? "") : $0.status.rawValue }),
            ("PROG", 4, { "\(Int($0.progress))%".leftPadded(4) }),
            ("MODEL", modelWidth, { $0.model }),
            ("COST", 7, { (d: StatusDocument) -> String in "$" + SoraCore.fixed(d.costUSD > 0 ? d.costUSD : d.priceUSD, 3) }),
            ("CREATED", 11, when),
        ]
        func fixed() -> Int { columns.reduce(0) { $0 + $1.width + 2 } }
        for drop in ["PROG", "CREATED"] where width - fixed() < 24 { columns.removeAll { $0.title == drop } }
        columns.append(("PROMPT", max(10, width - fixed()), { $0.origPrompt.replacingText("\n", with: " ") }))
        var out = columns.map { c in c.title == "PROMPT" ? c.title : cell(c.title, c.width) }.joined(separator: "  ") + "\n"
        for d in jobs {
            out += columns.map { c in c.title == "PROMPT" ? String(cell(c.value(d), c.width).prefix(c.width)).trimmed : cell(c.value(d), c.width) }
                .joined(separator: "  ") + "\n"
        }
        return out
    }
}

extension String {
    func leftPadded(_ n: Int) -> String {
        let t = trimmed
        return t.count >= n ? t : String(repeating: " ", count: n - t.count) + t
    }
}
